"""Turn training photos into embeddings: the athlete's face, its mirror, and everyone else."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ml.dataset import LabelledPhoto
from ml.embedder import EMBEDDING_SIZE, Embedder
from ml.errors import ImageRejected
from ml.faces import FaceDetector
from ml.imaging import load_image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoEmbeddings:
    """One training photo's embeddings.

    `athlete` holds the largest confident face and its horizontal mirror (two rows), or is
    None when the photo was skipped. `others` are the smaller faces: mostly teammates,
    opponents and crowd, the look-alike negatives that calibrate the unknown threshold.
    """

    photo: LabelledPhoto
    athlete: np.ndarray | None
    others: np.ndarray
    skipped: str | None = None


def embed_photos(
    photos: list[LabelledPhoto],
    detector: FaceDetector,
    embedder: Embedder,
) -> list[PhotoEmbeddings]:
    results = []
    for number, photo in enumerate(photos, start=1):
        results.append(_embed_photo(photo, detector, embedder))
        if number % 10 == 0 or number == len(photos):
            log.info("  embedded %d/%d photos", number, len(photos))
    return results


def _embed_photo(photo: LabelledPhoto, detector: FaceDetector, embedder: Embedder):
    empty = np.zeros((0, EMBEDDING_SIZE), np.float32)
    try:
        image = load_image(photo.path).image
    except ImageRejected as error:
        return PhotoEmbeddings(photo, None, empty, skipped=str(error))
    faces = detector.detect(image)
    if not faces:
        return PhotoEmbeddings(photo, None, empty, skipped="no face found")
    athlete = faces[0].crop
    crops = np.stack([athlete, athlete[:, ::-1], *(face.crop for face in faces[1:])])
    embeddings = embedder.embed(crops)
    return PhotoEmbeddings(photo, embeddings[:2], embeddings[2:])
