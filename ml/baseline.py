"""The original demo's classifier, kept only to be measured beside ours on the same folds.

Whole photo at 200×200, five Conv+MaxPool blocks, Dense 512, one sigmoid, RMSprop 1e-4:
it sees the court and the jersey, not the person.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from ml.imaging import load_image

SIZE = 200
EPOCHS = 15


def seed_everything(seed: int) -> None:
    """Same photos and seed, same weights: seeded initialisation, deterministic kernels."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def load_whole_photos(paths: list) -> np.ndarray:
    return np.stack(
        [
            np.asarray(load_image(path).image.resize((SIZE, SIZE), Image.Resampling.BILINEAR))
            for path in paths
        ]
    )


def build_demo_cnn() -> keras.Model:
    model = keras.Sequential([keras.Input((SIZE, SIZE, 3)), keras.layers.Rescaling(1 / 255)])
    for filters in (16, 32, 64, 64, 64):
        model.add(keras.layers.Conv2D(filters, 3, activation="relu"))
        model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(keras.optimizers.RMSprop(1e-4), loss="binary_crossentropy")
    return model


def fit_and_predict(
    photos: np.ndarray, targets: np.ndarray, train: np.ndarray, test: np.ndarray
) -> np.ndarray:
    """Train the demo CNN on `train` rows (two labels) and return its 0/1 guesses for `test`."""
    model = build_demo_cnn()
    model.fit(photos[train], targets[train], epochs=EPOCHS, batch_size=8, verbose=0)
    return (model.predict(photos[test], verbose=0)[:, 0] > 0.5).astype(int)
