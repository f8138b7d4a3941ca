"""Turn training photos into embeddings, and find which face in each is the athlete."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ml.dataset import LabelledPhoto
from ml.embedder import EMBEDDING_SIZE, Embedder
from ml.errors import ImageRejected
from ml.faces import FaceDetector
from ml.imaging import load_image

CHOOSING_ROUNDS = 3

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoEmbeddings:
    """One training photo's faces, largest first, each embedded with its horizontal mirror:
    shape (faces, 2, 128). `athlete_index` says which face is the athlete; the others are
    teammates, opponents and crowd, the impostors that calibrate the thresholds."""

    photo: LabelledPhoto
    faces: np.ndarray
    skipped: str | None = None
    athlete_index: int = 0

    @property
    def athlete(self) -> np.ndarray | None:
        """The athlete's face and its mirror (two rows), or None for a skipped photo."""
        return None if self.skipped else self.faces[self.athlete_index]

    @property
    def others(self) -> np.ndarray:
        keep = np.arange(len(self.faces)) != self.athlete_index
        return self.faces[keep, 0] if len(self.faces) else np.zeros((0, EMBEDDING_SIZE))


def embed_photos(
    photos: list[LabelledPhoto],
    detector: FaceDetector,
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
) -> list[PhotoEmbeddings]:
    """Every photo's faces embedded, with the athlete's face chosen in each; `progress` hears
    (photos done, photos) every ten photos."""
    results = []
    for number, photo in enumerate(photos, start=1):
        results.append(_embed_photo(photo, detector, embedder))
        if number % 10 == 0 or number == len(photos):
            log.info("  embedded %d/%d photos", number, len(photos))
            if progress is not None:
                progress(number, len(photos))
    return choose_athletes(results)


def choose_athletes(embedded: list[PhotoEmbeddings]) -> list[PhotoEmbeddings]:
    """In each photo, the face most like the athlete's faces in the *other* photos.

    The largest face is the first guess; it is not always the athlete (a bigger head in
    the foreground, a coach beside a player). A few rounds settle it: each photo's choice
    is compared with the mean of the choices in the athlete's other photos.
    """
    chosen = [0] * len(embedded)
    by_label: dict[str, list[int]] = {}
    for index, item in enumerate(embedded):
        if not item.skipped:
            by_label.setdefault(item.photo.label, []).append(index)
    for _ in range(CHOOSING_ROUNDS):
        for indices in by_label.values():
            picked = {i: embedded[i].faces[chosen[i], 0] for i in indices}
            total = np.sum(list(picked.values()), axis=0)
            for i in indices:
                if len(indices) > 1 and len(embedded[i].faces) > 1:
                    chosen[i] = int(np.argmax(embedded[i].faces[:, 0] @ (total - picked[i])))
    return [
        replace(item, athlete_index=index) for item, index in zip(embedded, chosen, strict=True)
    ]


def _embed_photo(photo: LabelledPhoto, detector: FaceDetector, embedder: Embedder):
    empty = np.zeros((0, 2, EMBEDDING_SIZE), np.float32)
    try:
        image = load_image(photo.path).image
    except ImageRejected as error:
        return PhotoEmbeddings(photo, empty, skipped=str(error))
    faces = detector.detect(image).faces
    if not faces:
        return PhotoEmbeddings(photo, empty, skipped="no face found")
    crops = np.stack([view for face in faces for view in (face.crop, face.crop[:, ::-1])])
    return PhotoEmbeddings(photo, embedder.embed(crops).reshape(len(faces), 2, -1))
