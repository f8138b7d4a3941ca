"""A trained model on disk: a directory with `manifest.json` beside the model files.

The 92 MB FaceNet backbone is not copied into each artifact; the manifest names it by
sha256 and loading refuses a backbone that does not match.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ml.errors import ModelError
from ml.weights import FACENET_SHA256

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
HEAD = "head.keras"
REFERENCES = "references.npz"
CONFUSION_PLOT = "confusion_matrix.png"


def write_manifest(model_dir: Path, manifest: dict[str, Any]) -> None:
    (model_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_manifest(model_dir: Path) -> dict[str, Any]:
    """The manifest, checked for the format and backbone this code can serve."""
    path = model_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise ModelError(f"No model at {model_dir}: {MANIFEST} is missing.") from error
    except json.JSONDecodeError as error:
        raise ModelError(f"{path} is not valid JSON: {error}") from error
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{model_dir} has model format {manifest.get('format_version')!r}; this version "
            f"of Athletes reads format {FORMAT_VERSION}. Retrain it with `python -m ml train`."
        )
    if manifest.get("backbone_sha256") != FACENET_SHA256:
        raise ModelError(
            f"{model_dir} was trained on a different FaceNet backbone "
            f"({manifest.get('backbone_sha256')}); retrain it with `python -m ml train`."
        )
    return manifest


def save_references(model_dir: Path, embeddings: np.ndarray, labels: list[str]) -> None:
    np.savez(model_dir / REFERENCES, embeddings=embeddings, labels=np.array(labels))


def load_references(model_dir: Path) -> dict[str, np.ndarray]:
    """Each athlete's training-face embeddings, keyed by label."""
    with np.load(model_dir / REFERENCES) as data:
        embeddings, labels = data["embeddings"], data["labels"]
    return {str(label): embeddings[labels == label] for label in np.unique(labels)}
