"""Scores normalised against a cohort of strangers' faces (adaptive symmetric normalisation,
"AS-norm", as speaker and face verification use it).

A cosine means more for one athlete than another, and for one face than another: a face
that resembles many people ("a hub") scores high with everyone. Each cosine is read against
the `top` cosines the cohort reaches, both from the athlete's side (how close strangers come
to them) and from the face's side (how close the face comes to strangers), and the two
standardised scores are averaged. On the league dev set at 134 people, with a 1,500-photo
cohort, 4.3% of strangers were flagged where plain cosines flagged 7.2%, with one stranger in
1,000 named by either (docs/benchmarks.md).
"""

from __future__ import annotations

import numpy as np

# How many of the cohort's closest faces describe each side: the near tail, not the mass.
TOP = 300
# Fewer cohort faces than this describe no tail: scores stay plain cosines.
MIN_COHORT = 1000
# Up to this many faces (a photo's), the cohort is compared with one face at a time: a
# matrix product of a few rows by the cohort starts BLAS threads, which cost milliseconds on
# a busy machine (10 ms for 6 faces at a load of 10) where one face at a time costs 57 µs.
ONE_BY_ONE = 32
# A bigger cohort is sampled down to this many faces (seeded), which bounds the artifact
# (2.5 MB) and the time per face.
MAX_COHORT = 5000


def sample(cohort: np.ndarray, seed: int = 0) -> np.ndarray:
    """At most MAX_COHORT of the cohort's faces, the same ones every time."""
    if len(cohort) <= MAX_COHORT:
        return cohort
    keep = np.random.default_rng(seed).choice(len(cohort), MAX_COHORT, replace=False)
    return cohort[np.sort(keep)]


class Normaliser:
    """Turns cosines to the athletes' centroids into normalised scores."""

    def __init__(self, centres: np.ndarray, cohort: np.ndarray, top: int = TOP):
        self.cohort = np.ascontiguousarray(cohort, np.float32)
        self.top = min(top, len(cohort) - 1)
        nearest = _top(self.cohort @ centres.T, self.top, axis=0)
        self.mean = nearest.mean(axis=0)
        self.spread = np.maximum(nearest.std(axis=0), 1e-6)

    def within(self, keep: list[int]) -> Normaliser:
        """The same normaliser for a subset of the athletes (their indices)."""
        subset = object.__new__(Normaliser)
        subset.cohort, subset.top = self.cohort, self.top
        subset.mean, subset.spread = self.mean[keep], self.spread[keep]
        return subset

    def __call__(
        self, cosines: np.ndarray, embeddings: np.ndarray, in_cohort: bool = False
    ) -> np.ndarray:
        """Normalised scores for `cosines` (faces, athletes) of `embeddings` (faces, 128).
        `in_cohort`: the faces are the cohort's own, each left out of its own side."""
        nearest = _top(self._near(embeddings), self.top + in_cohort, axis=1)
        if in_cohort:  # a face's cosine with itself is its highest
            nearest = np.sort(nearest, axis=1)[:, :-1]
        face_mean = nearest.mean(axis=1, keepdims=True)
        face_spread = np.maximum(nearest.std(axis=1, keepdims=True), 1e-6)
        return 0.5 * ((cosines - self.mean) / self.spread + (cosines - face_mean) / face_spread)

    def of_cosine(self, cosine: np.ndarray, athlete: np.ndarray, embeddings: np.ndarray):
        """The normalised score of one cosine per face, each for its own athlete index."""
        near = _top(self._near(embeddings), self.top, axis=1)
        face_mean, face_spread = near.mean(axis=1), np.maximum(near.std(axis=1), 1e-6)
        return 0.5 * (
            (cosine - self.mean[athlete]) / self.spread[athlete]
            + (cosine - face_mean) / face_spread
        )

    def _near(self, embeddings: np.ndarray) -> np.ndarray:
        """Each face's cosine to each cohort face, (faces, cohort)."""
        if not 0 < len(embeddings) <= ONE_BY_ONE:
            return embeddings @ self.cohort.T
        return np.stack([self.cohort @ face for face in embeddings])


def _top(scores: np.ndarray, count: int, axis: int) -> np.ndarray:
    return np.partition(scores, -count, axis=axis).take(
        range(scores.shape[axis] - count, scores.shape[axis]), axis=axis
    )
