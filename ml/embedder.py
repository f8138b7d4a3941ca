"""FaceNet embeddings: a 160×160 face crop in, a unit-length 128-number vector out."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ml.weights import verify

INPUT_SIZE = 160
EMBEDDING_SIZE = 128
MAX_BATCH = 32


@keras.saving.register_keras_serializable(package="athletes")
class ScaleSum(keras.layers.Layer):
    """The residual join `inputs[0] + inputs[1] * scale` of Inception-ResNet-v1.

    The Keras 2.1 file stores it as a `Lambda` whose marshalled bytecode Python 3.11 cannot
    read; this layer stands in for it when the file is loaded, keeping only `scale`.
    """

    def __init__(self, scale: float = 1.0, arguments: dict | None = None, **kwargs):
        for lambda_only in (
            "function",
            "function_type",
            "module",
            "output_shape",
            "output_shape_type",
            "output_shape_module",
        ):
            kwargs.pop(lambda_only, None)
        super().__init__(**kwargs)
        self.scale = float((arguments or {}).get("scale", scale))

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


def prewhiten(crops: np.ndarray) -> np.ndarray:
    """Per-image standardisation, the input normalisation this FaceNet was trained with."""
    crops = crops.astype(np.float32)
    mean = crops.mean(axis=(1, 2, 3), keepdims=True)
    std = crops.std(axis=(1, 2, 3), keepdims=True)
    floor = 1.0 / np.sqrt(crops[0].size)
    return ((crops - mean) / np.maximum(std, floor)).astype(np.float32)


class Embedder:
    """Loads FaceNet once and embeds batches of crops in a compiled graph.

    Eager calls cost ten times the arithmetic on two cores; a `tf.function` whose batch
    size is left open is traced once and then runs batches of any size near the CPU's limit.
    """

    def __init__(self, weights: Path):
        self.model = keras.models.load_model(
            verify(weights), custom_objects={"Lambda": ScaleSum}, compile=False
        )
        self._graph = tf.function(
            lambda x: tf.math.l2_normalize(self.model(x, training=False), axis=1),
            input_signature=[tf.TensorSpec([None, INPUT_SIZE, INPUT_SIZE, 3], tf.float32)],
        )

    def embed(self, crops: np.ndarray) -> np.ndarray:
        """Unit-length embeddings for `crops` of shape (n, 160, 160, 3), uint8 RGB."""
        if len(crops) == 0:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        whitened = prewhiten(crops)
        batches = [
            self._graph(tf.constant(whitened[start : start + MAX_BATCH])).numpy()
            for start in range(0, len(whitened), MAX_BATCH)
        ]
        return np.concatenate(batches)
