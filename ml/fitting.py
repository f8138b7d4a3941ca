"""Fit a recognizer to embedded photos: used by training and by every cross-validation fold."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ml.errors import ModelError
from ml.features import PhotoEmbeddings
from ml.head import train_head
from ml.openset import calibrate, leave_one_out_distances, nearest_distances
from ml.recognizer import Recognizer


def seed_everything(seed: int) -> None:
    """Same photos and seed, same model: seeded weights and deterministic kernels."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def fit(embedded: list[PhotoEmbeddings], labels: list[str]) -> Recognizer:
    """Train the head and calibrate the unknown threshold on these photos alone."""
    usable = [item for item in embedded if item.athlete is not None]
    _require_two_photos_each(usable, labels)
    athlete_rows = np.concatenate([item.athlete for item in usable])
    targets = np.repeat([labels.index(item.photo.label) for item in usable], 2)
    groups = np.repeat(np.arange(len(usable)), 2)
    row_labels = np.array(labels)[targets]
    positives = np.concatenate(
        [
            leave_one_out_distances(athlete_rows[row_labels == label], groups[row_labels == label])
            for label in labels
        ]
    )
    others = [item.others for item in usable if len(item.others)]
    negatives = nearest_distances(np.concatenate(others), athlete_rows) if others else np.zeros(0)
    references = {label: athlete_rows[row_labels == label] for label in labels}
    head = train_head(athlete_rows, targets, labels)
    return Recognizer(labels, head, references, calibrate(positives, negatives))


def _require_two_photos_each(usable: list[PhotoEmbeddings], labels: list[str]) -> None:
    """The threshold compares each athlete photo with the athlete's other photos."""
    counts = {label: 0 for label in labels}
    for item in usable:
        counts[item.photo.label] += 1
    short = [f"{label} ({count})" for label, count in counts.items() if count < 2]
    if short:
        raise ModelError(
            "Every athlete needs at least two photos with a face; too few for: " + ", ".join(short)
        )
