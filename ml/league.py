"""The league dev set: many people to enrol, new photos of them, and strangers.

Laid out as ``../shared/datasets/league/``: ``enrol/<person>/`` (photos to train on),
``probe/<person>/`` (new photos of the same people, never trained on), ``strangers/`` (one
photo each of people never enrolled, to measure on) and ``cohort/`` (one photo each of more
such people, that a recognizer may calibrate on). In every photo the person it is filed under
is the face nearest the centre (``SeenPhoto.centre_face``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.dataset import PHOTO_SUFFIXES, LabelledPhoto
from ml.embedding_cache import SeenPhoto, embedded, faces_in
from ml.errors import ModelError

ENROL, PROBE, STRANGERS = "enrol", "probe", "strangers"


@dataclass(frozen=True)
class League:
    enrol: list[SeenPhoto]
    probe: list[SeenPhoto]
    strangers: list[SeenPhoto]

    @property
    def people(self) -> list[str]:
        return sorted({item.photo.label for item in self.enrol})


def photos_in(folder: Path) -> list[LabelledPhoto]:
    """`<folder>/<person>/<photos>` labelled by person, or `<folder>/<photos>` (one person a
    photo) labelled by file name; sorted, so runs repeat."""
    if not folder.is_dir():
        raise ModelError(f"Folder not found: {folder}")
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in PHOTO_SUFFIXES:
            label = path.parent.name if path.parent != folder else path.stem
            found.append(LabelledPhoto(path, label))
    return found


def load_league(root: Path, *, weights: Path, cache_dir: Path | None = None) -> League:
    """The league's people and searches, embedded (once: see ``ml.embedding_cache``)."""
    parts = {
        part: embedded(photos_in(root / part), weights=weights, cache_dir=cache_dir)
        for part in (ENROL, PROBE, STRANGERS)
    }
    return League(**parts)


def load_cohort(folder: Path, *, weights: Path, cache_dir: Path | None = None) -> np.ndarray:
    """A cohort of strangers' faces: every face of every photo under `folder`, (faces, 128),
    embedded once (``ml.embedding_cache``)."""
    return faces_in(embedded(photos_in(folder), weights=weights, cache_dir=cache_dir))
