"""Serve a trained artifact: load once, then name every face in one photo or many."""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from ml import artifact
from ml.embedder import INPUT_SIZE, Embedder
from ml.faces import Face, FaceDetector
from ml.recognizer import Recognizer
from ml.results import FaceResult, ImageResult


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
    def load(cls, model_dir: Path, weights: Path) -> Predictor:
        """Read and check the artifact, then load MTCNN, FaceNet and the head."""
        manifest = artifact.Manifest.read(model_dir)
        head = keras.models.load_model(model_dir / artifact.HEAD)
        recognizer = Recognizer(
            manifest.labels, head, artifact.load_references(model_dir), manifest.threshold
        )
        return cls(manifest, FaceDetector(), Embedder(weights), recognizer)

    def warm_up(self) -> None:
        """Trace the compiled graphs now, on blank input, so the first photo is not slow.

        Tracing FaceNet takes seconds; a worker calls this right after loading a model.
        """
        self.detector.warm_up()
        self.recognizer.name(
            self.embedder.embed(np.zeros((1, INPUT_SIZE, INPUT_SIZE, 3), np.uint8))
        )

    @property
    def display_names(self) -> dict[str, str]:
        return self.manifest.display_names

    def predict(self, image: Image.Image) -> ImageResult:
        return self.predict_batch([image])[0]

    def predict_batch(self, images: list[Image.Image]) -> list[ImageResult]:
        """Detect per photo, then embed and name every face of every photo in one batch."""
        if not images:
            return []
        started = time.perf_counter()
        faces = [self.detector.detect(image) for image in images]
        detected = time.perf_counter()
        crops = [face.crop for photo_faces in faces for face in photo_faces]
        embeddings = self.embedder.embed(
            np.stack(crops) if crops else np.zeros((0, INPUT_SIZE, INPUT_SIZE, 3))
        )
        embedded = time.perf_counter()
        namings = iter(self.recognizer.name(embeddings))
        named = time.perf_counter()
        share = 1000 / len(images)
        timings = {
            "detect_ms": round((detected - started) * share, 1),
            "embed_ms": round((embedded - detected) * share, 1),
            "classify_ms": round((named - embedded) * share, 1),
        }
        timings["total_ms"] = round(sum(timings.values()), 1)
        return [
            ImageResult.from_faces(
                [_face_result(face, next(namings)) for face in photo_faces], timings
            )
            for photo_faces in faces
        ]


def _face_result(face: Face, naming) -> FaceResult:
    return FaceResult(
        box=face.box,
        label=naming.label,
        confidence=naming.confidence,
        distance=round(naming.distance, 4),
        probabilities=naming.probabilities,
        detection_confidence=round(face.confidence, 4),
    )
