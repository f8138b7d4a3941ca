"""Name faces from their embeddings: which athlete, how sure, or `unknown`."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from ml.embedder import EMBEDDING_SIZE
from ml.openset import nearest_distances
from ml.results import UNKNOWN

SOFTNESS = 0.05


@dataclass(frozen=True)
class Naming:
    label: str
    confidence: float
    distance: float
    probabilities: dict[str, float]


class Recognizer:
    """The trained head says which athlete a face looks most like; the distance to that
    athlete's own training faces says whether it is that athlete at all."""

    def __init__(
        self,
        labels: list[str],
        head: keras.Model,
        references: dict[str, np.ndarray],
        threshold: float,
    ):
        self.labels = labels
        self.head = head
        self.references = references
        self.threshold = threshold
        self._probabilities = tf.function(
            lambda x: head(x, training=False),
            input_signature=[tf.TensorSpec([None, EMBEDDING_SIZE], tf.float32)],
        )

    def name(self, embeddings: np.ndarray) -> list[Naming]:
        if len(embeddings) == 0:
            return []
        probabilities = self._probabilities(tf.constant(embeddings, tf.float32)).numpy()
        return [self._name_one(e, p) for e, p in zip(embeddings, probabilities, strict=True)]

    def _name_one(self, embedding: np.ndarray, probabilities: np.ndarray) -> Naming:
        best = self.labels[int(np.argmax(probabilities))]
        distance = float(nearest_distances(embedding[None], self.references[best])[0])
        closeness = 1.0 / (1.0 + np.exp((distance - self.threshold) / SOFTNESS))
        by_label = {
            label: round(float(p), 4) for label, p in zip(self.labels, probabilities, strict=True)
        }
        if distance <= self.threshold:
            return Naming(
                best, round(float(probabilities.max() * closeness), 4), distance, by_label
            )
        return Naming(UNKNOWN, round(float(1.0 - closeness), 4), distance, by_label)
