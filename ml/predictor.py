"""Serve a trained artifact: load once, then name every face in one photo or many."""

from __future__ import annotations

import time
from collections.abc import Collection
from pathlib import Path

import numpy as np
from PIL import Image

from ml import artifact
from ml.embedder import INPUT_SIZE, Embedder
from ml.faces import Detected, Face, FaceDetector
from ml.recognizer import Naming, Recognizer
from ml.results import UNKNOWN, FaceResult, ImageResult


class Predictor:
    def __init__(
        self,
        manifest: artifact.Manifest,
        detector: FaceDetector,
        embedder: Embedder,
        recognizer: Recognizer,
    ):
        self.manifest = manifest
        self.detector = detector
        self.embedder = embedder
        self.recognizer = recognizer

    @classmethod
    def load(cls, model_dir: Path, weights: Path, detector: str | None = None) -> Predictor:
        """Read and check the artifact, then load the face detector and FaceNet.

        `detector` overrides the one the model was trained with, to compare detectors.
        """
        manifest = artifact.Manifest.read(model_dir)
        recognizer = artifact.load_recognizer(model_dir, manifest)
        finder = FaceDetector(detector or manifest.detector)
        return cls(manifest, finder, Embedder(weights, manifest.network), recognizer)

    def warm_up(self) -> None:
        """Run every network once on blank input, so the first photo is not slow."""
        self.detector.warm_up()
        self.embedder.embed(np.zeros((1, INPUT_SIZE, INPUT_SIZE, 3), np.uint8))

    @property
    def display_names(self) -> dict[str, str]:
        return self.manifest.display_names

    def predict(self, image: Image.Image, allowed: Collection[str] | None = None) -> ImageResult:
        """Name the faces of one photo; ``allowed`` limits the candidates to those athletes."""
        return self.predict_batch([image], allowed)[0]

    def analyse(
        self, image: Image.Image, allowed: Collection[str] | None = None
    ) -> tuple[ImageResult, np.ndarray]:
        """One photo's result and its faces' embeddings, (faces, 128) in the result's order."""
        return self.analyse_batch([image], allowed)[0]

    def predict_batch(
        self, images: list[Image.Image], allowed: Collection[str] | None = None
    ) -> list[ImageResult]:
        """Detect per photo, embed every face of every photo, then name each photo's faces."""
        return [result for result, _ in self.analyse_batch(images, allowed)]

    def analyse_batch(
        self, images: list[Image.Image], allowed: Collection[str] | None = None
    ) -> list[tuple[ImageResult, np.ndarray]]:
        """Each photo's result with its faces' embeddings, to store or to score them."""
        recognizer = self.recognizer if allowed is None else self.recognizer.within(allowed)
        if not images:
            return []
        started = time.perf_counter()
        detected = [self.detector.detect(image) for image in images]
        found = time.perf_counter()
        crops = [face.crop for photo in detected for face in photo.faces]
        embeddings = self.embedder.embed(
            np.stack(crops) if crops else np.zeros((0, INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
        )
        embedded = time.perf_counter()
        per_photo = np.split(embeddings, np.cumsum([len(photo.faces) for photo in detected])[:-1])
        namings = [recognizer.name(photo) for photo in per_photo]
        left_out = [self._left_out(photo, allowed) for photo in per_photo]
        named = time.perf_counter()
        share = 1000 / len(images)
        timings = {
            "detect_ms": round((found - started) * share, 1),
            "embed_ms": round((embedded - found) * share, 1),
            "classify_ms": round((named - embedded) * share, 1),
        }
        timings["total_ms"] = round(sum(timings.values()), 1)
        return [
            (_image_result(photo, photo_namings, off, timings), photo_embeddings)
            for photo, photo_namings, off, photo_embeddings in zip(
                detected, namings, left_out, per_photo, strict=True
            )
        ]

    def _left_out(self, embeddings: np.ndarray, allowed: Collection[str] | None) -> list[str]:
        """Per face, the athlete the whole model names surely whom ``allowed`` leaves out."""
        if allowed is None:
            return [""] * len(embeddings)
        return [
            naming.label if naming.label != UNKNOWN and naming.label not in allowed else ""
            for naming in self.recognizer.name(embeddings)
        ]


def _image_result(
    detected: Detected, namings: list[Naming], left_out: list[str], timings
) -> ImageResult:
    faces = [
        _face_result(face, naming, off)
        for face, naming, off in zip(detected.faces, namings, left_out, strict=True)
    ]
    return ImageResult.from_faces(faces, detected.found, timings)


def _face_result(face: Face, naming: Naming, off_roster: str) -> FaceResult:
    return FaceResult(
        box=face.box,
        label=naming.label,
        candidate=naming.candidate,
        score=naming.score,
        needs_review=naming.needs_review,
        detection_confidence=round(face.confidence, 4),
        off_roster=off_roster,
    )
