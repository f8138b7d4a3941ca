"""Name faces from their embeddings: the cosine to each athlete's centroid (normalised against a
cohort of strangers' faces when the model has one), read against two lines per athlete (and,
with a cohort, the cosine against the sure line the same training gives without it), and no
athlete named twice in one photo."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ml.normalisation import Normaliser
from ml.results import UNKNOWN


@dataclass(frozen=True)
class Lines:
    """An athlete's thresholds on the score (`Recognizer.scores`): at or above `sure` the
    face is named; below `unknown` it is nobody we know; in between it needs a reviewer.

    `sure_without_cohort`, for a model that normalises against a cohort: the sure line the
    same training gives without the cohort, on the cosine. A face is named only when its
    cosine reaches it too, so a cohort of other people than the installation photographs
    (news photos, for a league of basketball players) never names a face that the model
    without it would not; otherwise it is flagged. None for models without a cohort, and
    for those made before the line existed (manifest format 3), which name on the score.
    """

    sure: float
    unknown: float
    sure_without_cohort: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The manifest's form: `sure_without_cohort` only where there is one."""
        return {name: value for name, value in asdict(self).items() if value is not None}

    def names(self, score: float, cosine: float) -> bool:
        """Whether a face with this score (and cosine) for the athlete is named surely."""
        guard = self.sure_without_cohort
        return score >= self.sure and (guard is None or cosine >= guard)


@dataclass(frozen=True)
class Naming:
    """`score` is the cosine to the candidate's centroid, what a person reads; the lines judge
    the candidate's score on the recognizer's own scale, the same cosine for a model without
    a cohort."""

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

    def __init__(
        self,
        labels: list[str],
        centres: np.ndarray,
        lines: dict[str, Lines],
        normaliser: Normaliser | None = None,
    ):
        self.labels = labels
        self.centres = centres
        self.lines = lines
        self.normaliser = normaliser

    def within(self, allowed: Collection[str]) -> Recognizer:
        """The same recognizer knowing only the ``allowed`` athletes (an event's roster): the
        others are not candidates at all."""
        keep = [index for index, label in enumerate(self.labels) if label in allowed]
        labels = [self.labels[index] for index in keep]
        return Recognizer(
            labels,
            self.centres[keep],
            {label: self.lines[label] for label in labels},
            self.normaliser.within(keep) if self.normaliser else None,
        )

    def cosines(self, embeddings: np.ndarray) -> np.ndarray:
        """Cosine of each face to each athlete's centroid: (faces, athletes)."""
        return embeddings @ self.centres.T

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Each face's score for each athlete, (faces, athletes), on the lines' scale: the
        cosine, normalised when the model has a cohort."""
        cosines = self.cosines(embeddings)
        return cosines if self.normaliser is None else self.normaliser(cosines, embeddings)

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
        cosines = self.cosines(embeddings)
        scores = cosines if self.normaliser is None else self.normaliser(cosines, embeddings)
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
                athlete = chosen[face]
                namings.append(
                    self._judge(
                        self.labels[athlete], float(row[athlete]), float(cosines[face, athlete])
                    )
                )
            else:
                best = int(np.argmax(row))
                namings.append(
                    Naming(UNKNOWN, self.labels[best], _round(cosines[face, best]), False)
                )
        return namings

    def _judge(self, candidate: str, score: float, cosine: float) -> Naming:
        lines = self.lines[candidate]
        sure = lines.names(score, cosine)
        review = not sure and score >= lines.unknown
        return Naming(candidate if sure else UNKNOWN, candidate, _round(cosine), review)


def _round(score: float) -> float:
    return round(float(score), 4)
