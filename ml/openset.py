"""Saying `unknown`: how far a face may be from an athlete's training faces."""

from __future__ import annotations

import numpy as np

FALLBACK_QUANTILE = 0.95


def nearest_distances(queries: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Euclidean distance from each query to its nearest reference (unit vectors)."""
    if len(references) == 0:
        return np.full(len(queries), np.inf, np.float32)
    similarity = queries @ references.T
    return np.sqrt(np.clip(2.0 - 2.0 * similarity.max(axis=1), 0.0, 4.0))


def leave_one_out_distances(embeddings: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """For each athlete face, the distance to the nearest *other* photo of that athlete.

    `groups` says which rows come from the same photo (a face and its mirror), so a face
    is never matched with itself; this is what an unseen photo of the athlete looks like.
    """
    similarity = embeddings @ embeddings.T
    similarity[groups[:, None] == groups[None, :]] = -1.0
    return np.sqrt(np.clip(2.0 - 2.0 * similarity.max(axis=1), 0.0, 4.0))


def calibrate(positives: np.ndarray, negatives: np.ndarray) -> float:
    """The distance threshold that best separates athletes from other people.

    It maximises Youden's J (accepted athletes minus accepted strangers) and sits
    halfway in the gap it picks. Without any negative faces it falls back to the 95th
    percentile of the athletes' own distances.
    """
    if len(negatives) == 0:
        return float(np.quantile(positives, FALLBACK_QUANTILE))
    candidates = np.unique(np.concatenate([positives, negatives]))
    midpoints = np.concatenate([[candidates[0] - 1e-3], (candidates[:-1] + candidates[1:]) / 2])
    true_accept = (positives[None, :] <= midpoints[:, None]).mean(axis=1)
    false_accept = (negatives[None, :] <= midpoints[:, None]).mean(axis=1)
    return float(midpoints[np.argmax(true_accept - false_accept)])
