"""Name faces from their embeddings: the cosine to each athlete's centroid, read against
two lines per athlete, and no athlete named twice in one photo."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from ml.results import UNKNOWN


@dataclass(frozen=True)
class Lines:
    """An athlete's two thresholds on the centroid cosine: at or above `sure` the face is
    named; below `unknown` it is nobody we know; in between it needs a reviewer."""

    sure: float
    unknown: float


@dataclass(frozen=True)
class Naming:
    label: str
    candidate: str
    score: float
    needs_review: bool


def centroids(rows: np.ndarray, row_labels: np.ndarray, labels: list[str]) -> np.ndarray:
    """Each athlete's mean training embedding, scaled back to unit length: (athletes, 128)."""
    means = np.stack([rows[row_labels == label].mean(axis=0) for label in labels])
    return means / np.linalg.norm(means, axis=1, keepdims=True)


class Recognizer:
    """Which athlete each face of a photo is closest to, and whether that is sure."""

    def __init__(self, labels: list[str], centres: np.ndarray, lines: dict[str, Lines]):
        self.labels = labels
        self.centres = centres
        self.lines = lines

    def within(self, allowed: Collection[str]) -> Recognizer:
        """The same recognizer knowing only the ``allowed`` athletes (an event's roster): the
        others are not candidates at all."""
        keep = [index for index, label in enumerate(self.labels) if label in allowed]
        labels = [self.labels[index] for index in keep]
        return Recognizer(
            labels, self.centres[keep], {label: self.lines[label] for label in labels}
        )

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Cosine of each face to each athlete's centroid: (faces, athletes)."""
        return embeddings @ self.centres.T

    def name(self, embeddings: np.ndarray) -> list[Naming]:
        """Name the faces of one photo.

        An athlete appears once in a photo: pairs (face, athlete) are taken best score
        first, so the closest face keeps the athlete and the others fall back to the next
        athlete still free, judged against that athlete's lines. A face left without a free
        athlete keeps its closest one as the candidate and is `unknown`.

        With F faces, a face's athlete is among its F closest (at most F - 1 are taken by
        the other faces), so only those pairs are sorted: the time per face does not grow
        with the roster beyond one product with the centroids.
        """
        if not self.labels:  # a roster with none of the athletes the model knows
            return [Naming(UNKNOWN, UNKNOWN, 0.0, False) for _ in embeddings]
        if not len(embeddings):
            return []
        scores = self.scores(embeddings)
        chosen: dict[int, int] = {}
        taken: set[int] = set()
        settled = min(len(scores), len(self.labels))
        closest = np.argpartition(-scores, settled - 1, axis=1)[:, :settled]
        pairs = scores[np.arange(len(scores))[:, np.newaxis], closest]
        for flat in np.argsort(-pairs, axis=None):
            face, rank = divmod(int(flat), settled)
            athlete = int(closest[face, rank])
            if face not in chosen and athlete not in taken:
                chosen[face] = athlete
                taken.add(athlete)
                if len(chosen) == settled:  # every face has its athlete, or none is left
                    break
        namings = []
        for face, row in enumerate(scores):
            if face in chosen:
                namings.append(self._judge(self.labels[chosen[face]], float(row[chosen[face]])))
            else:
                best = int(np.argmax(row))
                namings.append(Naming(UNKNOWN, self.labels[best], _round(row[best]), False))
        return namings

    def _judge(self, candidate: str, score: float) -> Naming:
        lines = self.lines[candidate]
        sure = score >= lines.sure
        review = not sure and score >= lines.unknown
        return Naming(candidate if sure else UNKNOWN, candidate, _round(score), review)


def _round(score: float) -> float:
    return round(float(score), 4)
