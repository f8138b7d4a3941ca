"""Faces reviewers decided on, as training reads them: who they are, and which side of the
fit / held-out split their photo falls on.

The site hands training plain records (a photo id, the stored embedding, the reviewed
answer); nothing here knows where they were stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# One photo in HELD_OUT_EVERY has its reviewed faces held out of the fit, to measure on.
HELD_OUT_EVERY = 4


@dataclass(frozen=True)
class ReviewedFace:
    """One reviewed face: `photo` names the photo it was found in (faces of one photo stay
    on one side of the split), `embedding` is its stored FaceNet embedding (128 numbers),
    `answer` the reviewer's: an athlete's label, or anything else (`unknown`) for someone
    who is not an athlete."""

    photo: str
    embedding: np.ndarray
    answer: str


def held_out(photo: str) -> bool:
    """Whether a photo's reviewed faces are held out: decided by a hash of its id alone, so a
    photo stays on its side as reviews accumulate, and a face held out of one version is
    never fitted by the next."""
    digest = hashlib.sha256(photo.encode()).digest()
    return int.from_bytes(digest[:8], "big") % HELD_OUT_EVERY == 0


def split(
    faces: Iterable[ReviewedFace], fit_all: Collection[str] = ()
) -> tuple[list[ReviewedFace], list[ReviewedFace]]:
    """The faces to fit on, and the faces held out (whole photos). Faces reviewed as an
    athlete of `fit_all` are all fitted: they are all that athlete has to be learnt from (one
    named on People, with too few photos of their own)."""
    fitting: list[ReviewedFace] = []
    measuring: list[ReviewedFace] = []
    for face in faces:
        kept = held_out(face.photo) and face.answer not in fit_all
        (measuring if kept else fitting).append(face)
    return fitting, measuring


def positives(faces: Sequence[ReviewedFace], labels: Sequence[str]) -> dict[str, np.ndarray]:
    """``{athlete: embeddings}`` of the faces reviewed as that athlete (confirmed, or
    corrected to them), for the athletes being trained."""
    return _stack({label: [f.embedding for f in faces if f.answer == label] for label in labels})


def strangers(faces: Sequence[ReviewedFace], labels: Sequence[str]) -> np.ndarray:
    """Embeddings of the faces reviewed as nobody being trained, (faces, 128): impostors of
    every athlete, as the other people in the training photos are. ("Not X" faces corrected to
    another athlete are that athlete's positives, and so impostors for X through the fit's
    rows.)"""
    rows = [face.embedding for face in faces if face.answer not in labels]
    return np.array(rows, np.float32).reshape(len(rows), rows[0].size if rows else 0)


def _stack(groups: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    return {label: np.stack(rows).astype(np.float32) for label, rows in groups.items() if rows}
