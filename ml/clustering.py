"""Group faces that look like one person: average-linkage clustering on cosine distance.

The web groups the history's unknown faces on demand, and the web image has no scikit-learn
or SciPy (requirements/web.txt), so this is the textbook algorithm in NumPy: start with one
group per face, and merge the two closest groups while their mean pairwise cosine distance
is below the threshold. It gives the same groups as SciPy's ``linkage(method="average",
metric="cosine")`` cut at the threshold (tests/ml/test_clustering.py, and the dev set's
figures), and the method and threshold were chosen on the dev set (docs/benchmarks.md,
"Grouping unknown faces").
"""

from __future__ import annotations

import numpy as np

# Mean cosine distance (1 - cosine similarity) below which two groups are one person.
SAME_PERSON_DISTANCE = 0.45


def group_faces(embeddings: np.ndarray, threshold: float = SAME_PERSON_DISTANCE) -> list[list[int]]:
    """The rows of ``embeddings`` (faces, dims) grouped by person: lists of row indices, the
    biggest group first, each in row order; every face is in exactly one group (many alone).
    A zero vector has no direction and stays alone."""
    count = len(embeddings)
    if count == 0:
        return []
    vectors = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1)
    unit = np.divide(vectors, norms[:, None], out=np.zeros_like(vectors), where=norms[:, None] > 0)
    distance = 1.0 - unit @ unit.T
    distance[norms == 0, :] = np.inf
    distance[:, norms == 0] = np.inf
    np.fill_diagonal(distance, np.inf)
    sizes = np.ones(count)
    members: list[list[int]] = [[row] for row in range(count)]
    # Each row's closest other group and the distance to it, kept up to date, so that a merge
    # costs a few rows rather than a scan of the whole matrix.
    partner = np.argmin(distance, axis=1)
    nearest = distance[np.arange(count), partner]
    while True:
        first = int(np.argmin(nearest))
        if not nearest[first] < threshold:
            break
        second = int(partner[first])
        # Lance-Williams for average linkage: the merged group's mean distance to each other
        # group is the size-weighted mean of its two parts' distances.
        merged = (sizes[first] * distance[first] + sizes[second] * distance[second]) / (
            sizes[first] + sizes[second]
        )
        merged[[first, second]] = np.inf
        distance[first, :] = merged
        distance[:, first] = merged
        distance[second, :] = np.inf
        distance[:, second] = np.inf
        nearest[second] = np.inf
        sizes[first] += sizes[second]
        members[first] += members[second]
        members[second] = []
        closer = merged < nearest
        nearest[closer], partner[closer] = merged[closer], first
        stale = np.flatnonzero((partner == first) | (partner == second))
        for row in [first, *stale]:
            if members[row]:
                partner[row] = np.argmin(distance[row])
                nearest[row] = distance[row, partner[row]]
    groups = [sorted(group) for group in members if group]
    return sorted(groups, key=lambda group: (-len(group), group[0]))
