"""A folder's photos embedded once and kept on disk, so measuring on a dev set many times
costs the networks once.

The cache lives outside the repository (``~/.cache/athletes/embeddings`` unless told
otherwise): embeddings of a dataset are derived from it and are never committed. A cache file
is named by what made it: the photos (paths, sizes, times), the detector, the network and the
backbone's checksum; anything else gives a new file.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.dataset import LabelledPhoto
from ml.embedder import EMBEDDING_SIZE, Embedder
from ml.errors import ImageRejected
from ml.faces import FaceDetector
from ml.features import PhotoEmbeddings, choose_athletes, embed_faces
from ml.imaging import load_image
from ml.weights import FACENET_SHA256, NETWORK

log = logging.getLogger(__name__)

# Raised when what is stored, or how faces are found and cropped, changes.
CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "athletes" / "embeddings"


@dataclass(frozen=True)
class SeenPhoto:
    """A photo's faces as the networks saw them: largest first, each embedded with its mirror
    (faces, 2, 128), with its box (x, y, w, h) in the photo's pixels."""

    photo: LabelledPhoto
    faces: np.ndarray
    boxes: np.ndarray
    size: tuple[int, int]
    skipped: str | None = None

    @property
    def centre_face(self) -> int | None:
        """The face nearest the photo's centre: who a portrait, or a news photo cropped
        on its subject (the league's LFW photos), is of. None without a face."""
        if not len(self.boxes):
            return None
        centres = self.boxes[:, :2] + self.boxes[:, 2:] / 2
        return int(np.argmin(np.linalg.norm(centres - np.array(self.size) / 2, axis=1)))

    def for_training(self) -> PhotoEmbeddings:
        return PhotoEmbeddings(self.photo, self.faces, self.skipped)


def training_photos(seen: list[SeenPhoto]) -> list[PhotoEmbeddings]:
    """The photos as training reads them, the athlete's face chosen in each."""
    return choose_athletes([photo.for_training() for photo in seen])


def embedded(
    photos: list[LabelledPhoto],
    *,
    weights: Path,
    detector: str = "blazeface",
    network: str = NETWORK,
    cache_dir: Path | None = None,
) -> list[SeenPhoto]:
    """Every photo's faces, from the cache when these photos were embedded before."""
    path = (cache_dir or default_cache_dir()) / f"{_key(photos, detector, network)}.npz"
    if path.is_file():
        log.info("Embeddings of %d photos read from %s", len(photos), path)
        return _read(path, photos)
    log.info("Embedding %d photos (kept in %s) ...", len(photos), path)
    finder, embedder = FaceDetector(detector), Embedder(weights, network)
    seen = []
    for number, photo in enumerate(photos, start=1):
        seen.append(_see(photo, finder, embedder))
        if number % 100 == 0 or number == len(photos):
            log.info("  embedded %d/%d photos", number, len(photos))
    _write(path, seen)
    return seen


def _see(photo: LabelledPhoto, finder: FaceDetector, embedder: Embedder) -> SeenPhoto:
    empty = np.zeros((0, 2, EMBEDDING_SIZE), np.float32)
    try:
        image = load_image(photo.path).image
    except ImageRejected as error:
        return SeenPhoto(photo, empty, np.zeros((0, 4), int), (0, 0), str(error))
    found = embed_faces(image, finder, embedder)
    boxes = np.array([face.box for face in found.faces], int).reshape(-1, 4)
    skipped = None if found.faces else "no face found"
    return SeenPhoto(photo, found.embeddings.astype(np.float32), boxes, image.size, skipped)


def _key(photos: list[LabelledPhoto], detector: str, network: str) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT} {detector} {network} {FACENET_SHA256}".encode())
    for photo in photos:
        stat = photo.path.stat()
        digest.update(f"\n{photo.path.resolve()} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def _write(path: Path, seen: list[SeenPhoto]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(
        partial,
        counts=np.array([len(item.faces) for item in seen]),
        faces=np.concatenate([item.faces for item in seen]),
        boxes=np.concatenate([item.boxes for item in seen]),
        sizes=np.array([item.size for item in seen]),
        skipped=np.array([item.skipped or "" for item in seen]),
    )
    partial.rename(path)


def _read(path: Path, photos: list[LabelledPhoto]) -> list[SeenPhoto]:
    with np.load(path) as data:
        ends = np.cumsum(data["counts"])
        faces = np.split(data["faces"], ends[:-1])
        boxes = np.split(data["boxes"], ends[:-1])
        sizes, skipped = data["sizes"], data["skipped"]
    return [
        SeenPhoto(photo, faces[i], boxes[i], (int(sizes[i][0]), int(sizes[i][1])), str(why) or None)
        for i, (photo, why) in enumerate(zip(photos, skipped, strict=True))
    ]


def faces_in(folder_photos: list[SeenPhoto]) -> np.ndarray:
    """Every face of these photos, (faces, 128): a cohort of strangers' faces."""
    faces = [item.faces[:, 0] for item in folder_photos if len(item.faces)]
    return np.concatenate(faces) if faces else np.zeros((0, EMBEDDING_SIZE), np.float32)
