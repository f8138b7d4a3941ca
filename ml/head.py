"""The trained part: a softmax over the athletes, on top of FaceNet embeddings."""

from __future__ import annotations

import keras
import numpy as np

from ml.embedder import EMBEDDING_SIZE

STEPS = 150
NOISE = 0.02


def build_head(labels: list[str]) -> keras.Model:
    """A linear classifier with light noise on its inputs.

    FaceNet already separates people, so a linear layer suffices; the Gaussian noise is
    augmentation in embedding space, active only while training and saved with the model.
    """
    return keras.Sequential(
        [
            keras.Input((EMBEDDING_SIZE,), name="embedding"),
            keras.layers.GaussianNoise(NOISE, seed=0),
            keras.layers.UnitNormalization(),
            keras.layers.Dense(
                len(labels),
                activation="softmax",
                kernel_regularizer=keras.regularizers.L2(1e-4),
                name="athlete",
            ),
        ],
        name="athlete_head",
    )


def train_head(embeddings: np.ndarray, targets: np.ndarray, labels: list[str]) -> keras.Model:
    """Fit the head with full-batch steps.

    The rows are tiled into one long epoch: Keras spends tens of milliseconds between
    epochs, far more than one step on a few hundred rows costs.
    """
    head = build_head(labels)
    head.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    head.fit(
        np.tile(embeddings, (STEPS, 1)),
        np.tile(targets, STEPS),
        batch_size=len(embeddings),
        shuffle=False,
        verbose=0,
    )
    return head
