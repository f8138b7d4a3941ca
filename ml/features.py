"""Turn training photos into embeddings, and find which face in each is the athlete."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from ml.athlete_face import closest_face
from ml.dataset import Box, LabelledPhoto
from ml.embedder import EMBEDDING_SIZE, Embedder
from ml.errors import ImageRejected
from ml.faces import Face, FaceDetector
from ml.imaging import load_image

CHOOSING_ROUNDS = 3
# A chosen box and a detected one are the same face when they overlap this much (IoU); the same
# detector on the same photo finds the same box again.
SAME_FACE_OVERLAP = 0.5

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

    @classmethod
    def stored(
        cls, name: str, label: str, faces: np.ndarray, athlete_index: int = 0
    ) -> PhotoEmbeddings:
        """An example photo as training reads it, from what was stored: its faces' embeddings,
        (faces, 128), or (faces, 2, 128) with their mirrors, and which face is the athlete.
        Without mirrors each face fills both rows (on the league dev set, centroids with and
        without mirrors named the same share of new photos). `name` identifies the photo in
        the manifest's lists."""
        faces = np.asarray(faces, np.float32)
        if faces.ndim == 2:
            faces = np.repeat(faces[:, np.newaxis], 2, axis=1)
        skipped = None if len(faces) else "no face found"
        return cls(LabelledPhoto(Path(name), label), faces, skipped, athlete_index)

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
    is compared with the mean of the choices in the athlete's other photos. A photo whose
    face a person chose (`LabelledPhoto.box`) keeps it, and guides the others.
    """
    chosen = [item.athlete_index for item in embedded]
    by_label: dict[str, list[int]] = {}
    for index, item in enumerate(embedded):
        if not item.skipped:
            by_label.setdefault(item.photo.label, []).append(index)
    for _ in range(CHOOSING_ROUNDS):
        for indices in by_label.values():
            picked = {i: embedded[i].faces[chosen[i], 0] for i in indices}
            total = np.sum(list(picked.values()), axis=0)
            for i in indices:
                if len(indices) > 1 and embedded[i].photo.box is None:
                    chosen[i] = closest_face(embedded[i].faces[:, 0], total - picked[i])
    return [
        replace(item, athlete_index=index) for item, index in zip(embedded, chosen, strict=True)
    ]


def embed_faces(image: Image.Image, detector: FaceDetector, embedder: Embedder) -> PhotoFaces:
    """Every face of a photo, largest first, embedded with its horizontal mirror."""
    faces = detector.detect(image).faces
    if not faces:
        return PhotoFaces([], np.zeros((0, 2, EMBEDDING_SIZE), np.float32))
    crops = np.stack([view for face in faces for view in (face.crop, face.crop[:, ::-1])])
    return PhotoFaces(faces, embedder.embed(crops).reshape(len(faces), 2, -1))


@dataclass(frozen=True)
class PhotoFaces:
    """A photo's detected faces, largest first, and their embeddings, (faces, 2, 128)."""

    faces: list[Face]
    embeddings: np.ndarray

    def index_of(self, box: Box) -> int | None:
        """The face that is the one at `box` (most overlap, at least half), if any."""
        overlaps = [overlap(face.box, box) for face in self.faces]
        best = int(np.argmax(overlaps)) if overlaps else 0
        return best if overlaps and overlaps[best] >= SAME_FACE_OVERLAP else None


def overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    shared = max(0, width) * max(0, height)
    union = a[2] * a[3] + b[2] * b[3] - shared
    return shared / union if union else 0.0


def _embed_photo(photo: LabelledPhoto, detector: FaceDetector, embedder: Embedder):
    empty = np.zeros((0, 2, EMBEDDING_SIZE), np.float32)
    try:
        image = load_image(photo.path).image
    except ImageRejected as error:
        return PhotoEmbeddings(photo, empty, skipped=str(error))
    found = embed_faces(image, detector, embedder)
    if not found.faces:
        return PhotoEmbeddings(photo, empty, skipped="no face found")
    if photo.box is None:
        return PhotoEmbeddings(photo, found.embeddings)
    index = found.index_of(photo.box)
    if index is None:
        return PhotoEmbeddings(photo, empty, skipped="the chosen face was not found again")
    return PhotoEmbeddings(photo, found.embeddings, athlete_index=index)
