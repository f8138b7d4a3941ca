"""A trained model on disk: a directory with `manifest.json` beside the model files.

The 92 MB FaceNet backbone is not copied into each artifact; the manifest names it by
sha256 and loading refuses a backbone that does not match.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ml.errors import ModelError
from ml.held_out import HeldOutReport
from ml.normalisation import Normaliser
from ml.recognizer import Lines, Recognizer
from ml.weights import FACENET_SHA256, FLOAT32, NETWORK

log = logging.getLogger(__name__)

# Format 3 added models that normalise scores against a cohort (`scoring` NORMALISED, the
# faces in COHORT); format 4 gave their lines `sure_without_cohort` (ml.recognizer.Lines).
# Older manifests are read as they are: format 2 models score plain cosines, and format 3
# models with a cohort name on the normalised score alone, as they were made (with a warning:
# retrained, they keep the guard).
FORMAT_VERSION = 4
READABLE_FORMATS = (2, 3, 4)
MANIFEST = "manifest.json"
CENTROIDS = "centroids.npz"
COHORT = "cohort.npz"
COSINE = "cosine to each athlete's centroid"
NORMALISED = (
    "cosine to each athlete's centroid, normalised against a cohort of strangers' faces "
    "(adaptive symmetric normalisation, ml.normalisation)"
)
CONFUSION_PLOT = "confusion_matrix.png"
# Written by `python -m ml evaluate --dev DIR --out <the artifact's folder>`; the site shows
# them on the model version's page when they are there.
DEV_REPORT = "dev_evaluation.json"
DET_PLOT = "det_curve.png"
# Written by training when it held out reviewed faces of athletes and of others (ml.held_out).
HELD_OUT_DET_PLOT = "held_out_det_curve.png"
BACKBONE = "facenet_keras.h5 (Inception-ResNet-v1, MS-Celeb-1M)"


@dataclass(frozen=True)
class Manifest:
    """What a trained model is: its athletes, their lines, backbone and how it was made.

    The one reader and writer of `manifest.json`; the web stores `to_dict()` as JSON and
    reads it back with `from_dict()`, so both sides agree on every key.
    """

    version: str
    labels: list[str]
    display_names: dict[str, str]
    detector: str
    # {label: {"sure": score, "unknown": score[, "sure_without_cohort": cosine]}}: see
    # ml.recognizer.Lines.
    lines: dict[str, dict[str, float]]
    # Targets, impostor and genuine counts, estimated rates: ml.calibration.Calibration.
    calibration: dict[str, Any]
    input_size: int
    created_at: datetime
    seed: int
    training_counts: dict[str, int]
    # Faces reviewed as each athlete that the fit took besides their photos.
    reviewed_counts: dict[str, int] = field(default_factory=dict)
    # Athletes left out for too few faces ({label: faces}): ml.training.train_embedded.
    left_out: dict[str, int] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    athlete_not_largest_face: list[str] = field(default_factory=list)
    # COSINE, or NORMALISED against the faces in COHORT: the scale of `lines`.
    scoring: str = COSINE
    metrics: dict[str, Any] = field(default_factory=dict)
    backbone: str = BACKBONE
    backbone_sha256: str = FACENET_SHA256
    # How LiteRT ran the backbone for training, and so must for serving (ml.weights.NETWORKS).
    network: str = NETWORK
    format_version: int = FORMAT_VERSION

    @property
    def held_out(self) -> HeldOutReport | None:
        """What training measured on the reviewed faces it held out (``ml.held_out``), or None
        for a model trained before faces were held out."""
        report = self.metrics.get("held_out")
        return HeldOutReport.from_dict(report) if isinstance(report, dict) else None

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "created_at": self.created_at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: object = "The manifest") -> Manifest:
        """The manifest in `data`, refused unless it is the format this code reads."""
        found = data.get("format_version") if isinstance(data, dict) else None
        if found not in READABLE_FORMATS:
            raise ModelError(
                f"{source} has model format {found!r}; this version of Athletes reads formats "
                f"{', '.join(map(str, READABLE_FORMATS))}. Retrain it with `python -m ml train`."
            )
        # Manifests written before these fields ran FaceNet in float32, fitted no reviewed
        # face beside the photos and left nobody out.
        data = {"network": FLOAT32, "reviewed_counts": {}, "left_out": {}, **data}
        names = [item.name for item in dataclasses.fields(cls)]
        missing = [name for name in names if name not in data]
        if missing:
            raise ModelError(f"{source} has no {', '.join(missing)} in its manifest.")
        try:
            created_at = datetime.fromisoformat(data["created_at"])
        except (TypeError, ValueError) as error:
            raise ModelError(f"{source} has no valid created_at: {error}") from error
        return cls(**{**{name: data[name] for name in names}, "created_at": created_at})

    def write(self, model_dir: Path) -> None:
        (model_dir / MANIFEST).write_text(
            json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"
        )

    @classmethod
    def read(cls, model_dir: Path) -> Manifest:
        """The manifest of `model_dir`, checked for the format and backbone this code serves."""
        path = model_dir / MANIFEST
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError as error:
            raise ModelError(f"No model at {model_dir}: {MANIFEST} is missing.") from error
        except json.JSONDecodeError as error:
            raise ModelError(f"{path} is not valid JSON: {error}") from error
        manifest = cls.from_dict(data, source=model_dir)
        if manifest.backbone_sha256 != FACENET_SHA256:
            raise ModelError(
                f"{model_dir} was trained on a different FaceNet backbone "
                f"({manifest.backbone_sha256}); retrain it with `python -m ml train`."
            )
        return manifest


def new_version(now: datetime | None = None) -> str:
    """A model's name: its creation time and four random hex digits (`20261124-134222-9ec1`),
    chosen before training when the site must name the job it polls."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def save_centroids(model_dir: Path, centroids: np.ndarray, labels: list[str]) -> None:
    np.savez(model_dir / CENTROIDS, centroids=centroids, labels=np.array(labels))


def save_recognizer(model_dir: Path, recognizer: Recognizer) -> None:
    """The centroids, and the cohort's faces when the recognizer normalises against them."""
    save_centroids(model_dir, recognizer.centres, recognizer.labels)
    if recognizer.normaliser is not None:
        normaliser = recognizer.normaliser
        np.savez(model_dir / COHORT, faces=normaliser.cohort, top=np.array(normaliser.top))


def scoring_of(recognizer: Recognizer) -> str:
    return COSINE if recognizer.normaliser is None else NORMALISED


def load_centroids(model_dir: Path, labels: list[str]) -> np.ndarray:
    """The athletes' centroids, one row per label in the manifest's order."""
    with np.load(model_dir / CENTROIDS) as data:
        rows = dict(zip((str(label) for label in data["labels"]), data["centroids"], strict=True))
    missing = [label for label in labels if label not in rows]
    if missing:
        raise ModelError(f"{model_dir / CENTROIDS} has no centroid for {', '.join(missing)}.")
    return np.stack([rows[label] for label in labels]).astype(np.float32)


def load_recognizer(model_dir: Path, manifest: Manifest | None = None) -> Recognizer:
    """The model's centroids and lines (and cohort, if it normalises), enough to name stored
    embeddings without a network."""
    manifest = manifest or Manifest.read(model_dir)
    lines = {label: Lines(**manifest.lines[label]) for label in manifest.labels}
    centres = load_centroids(model_dir, manifest.labels)
    normaliser = None
    if manifest.scoring == NORMALISED:
        if any(each.sure_without_cohort is None for each in lines.values()):
            log.warning(
                "Model %s was made before a model with a cohort kept the sure line of the "
                "same training without it: it names faces on the normalised score alone, "
                "look-alikes the cohort does not know included. Train it again to guard it.",
                manifest.version,
            )
        try:
            with np.load(model_dir / COHORT) as data:
                normaliser = Normaliser(centres, data["faces"], int(data["top"]))
        except FileNotFoundError as error:
            raise ModelError(
                f"{model_dir} normalises its scores against a cohort, but {COHORT} is missing."
            ) from error
    return Recognizer(manifest.labels, centres, lines, normaliser)
