"""`python -m ml evaluate`: our recognizer cross-validated beside the demo's CNN, same folds."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from ml import evaluation
from ml.dataset import scan
from ml.embedder import Embedder
from ml.faces import FaceDetector
from ml.features import embed_photos

log = logging.getLogger(__name__)


def evaluate(
    data_dir: Path,
    *,
    weights: Path,
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
    with_baseline: bool = True,
    detector: str = "blazeface",
    cohort: np.ndarray | None = None,
) -> dict[str, Any]:
    """Cross-validate ours (calibrated with `cohort`, if given) and, on the very same folds,
    the demo's original CNN."""
    photos = scan(data_dir)
    labels = sorted({photo.label for photo in photos})
    log.info("Embedding %d photos of %d athletes ...", len(photos), len(labels))
    embedded = embed_photos(photos, FaceDetector(detector), Embedder(weights))
    log.info("Cross-validating ours: %d folds × %d repeats ...", folds, repeats)
    report = {
        "ours": evaluation.cross_validate_embeddings(
            embedded, labels, folds, repeats, seed, cohort=cohort
        )
    }
    if with_baseline and len(labels) == 2:
        log.info("Cross-validating the demo's CNN on the same folds ...")
        report["baseline"] = _cross_validate_baseline(photos, labels, folds, repeats, seed)
    return report


def _cross_validate_baseline(photos, labels, folds, repeats, seed) -> dict[str, Any]:
    from ml import baseline  # Keras and TensorFlow: imported only when the CNN is compared

    baseline.seed_everything(seed)
    truth = [photo.label for photo in photos]
    pixels = baseline.load_whole_photos([photo.path for photo in photos])
    targets = np.array([labels.index(label) for label in truth])
    splits = list(evaluation.fold_splits(truth, folds, repeats, seed))
    predicted = []
    for number, (train, test) in enumerate(splits, start=1):
        guesses = baseline.fit_and_predict(pixels, targets, train, test)
        predicted.append([labels[guess] for guess in guesses])
        log.info("  baseline fold %d/%d", number, len(splits))
    return evaluation.summarize(truth, splits, predicted, labels)
