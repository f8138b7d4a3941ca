"""FaceNet embeddings: a 160×160 face crop in, a unit-length 128-number vector out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from ml.errors import ModelError
from ml.threads import inference_threads
from ml.weights import NETWORK, converted

INPUT_SIZE = 160
EMBEDDING_SIZE = 128
# Faces are standardised and embedded this many at a time, so a photo full of faces never
# holds all its crops' float copies at once.
BATCH = 8


def prewhiten(crops: np.ndarray) -> np.ndarray:
    """Per-image standardisation, the input normalisation this FaceNet was trained with."""
    crops = crops.astype(np.float32)
    mean = crops.mean(axis=(1, 2, 3), keepdims=True)
    std = crops.std(axis=(1, 2, 3), keepdims=True)
    floor = 1.0 / np.sqrt(crops[0].size)
    return ((crops - mean) / np.maximum(std, floor)).astype(np.float32)


class Embedder:
    """FaceNet through LiteRT, one face per call.

    The interpreter is sized for one face: resizing it to another batch size costs most of a
    second, while one face at a time already runs near the CPU's limit.
    """

    def __init__(self, weights: Path, network: str = NETWORK):
        """FaceNet's `weights` as the LiteRT `network` (``ml.weights.NETWORKS``)."""
        self.network = network
        lite = converted(weights, network)
        try:
            self._interpreter = Interpreter(model_path=str(lite), num_threads=inference_threads())
        except ValueError as error:
            raise ModelError(f"{lite} is damaged ({error}); delete it and load again.") from error
        self._interpreter.allocate_tensors()
        (self._input,) = self._interpreter.get_input_details()
        (self._output,) = self._interpreter.get_output_details()

    def embed(self, crops: np.ndarray) -> np.ndarray:
        """Unit-length embeddings for `crops` of shape (n, 160, 160, 3), uint8 RGB."""
        if len(crops) == 0:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        embeddings = np.stack(
            [
                self._embed_one(face)
                for start in range(0, len(crops), BATCH)
                for face in prewhiten(crops[start : start + BATCH])
            ]
        )
        return embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)

    def _embed_one(self, whitened: np.ndarray) -> np.ndarray:
        self._interpreter.set_tensor(self._input["index"], whitened[None])
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output["index"])[0]
