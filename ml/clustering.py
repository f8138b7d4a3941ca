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

from dataclasses import dataclass

import numpy as np

from ml.neighbours import FaceIndex

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
        rows = np.array([row for row in [first, *stale] if members[row]])
        partner[rows] = np.argmin(distance[rows], axis=1)
        nearest[rows] = distance[rows, partner[rows]]
    groups = [sorted(group) for group in members if group]
    return sorted(groups, key=lambda group: (-len(group), group[0]))


# How a face that arrives finds its group (docs/benchmarks.md, "Grouping as faces arrive"):
# it meets the groups of its nearest faces that are within the line; if those groups are small
# and nobody arranged them by hand, their faces and the new one are grouped again by average
# linkage (the batch method on the faces it could change), else it joins the nearest of them.
NEIGHBOURS = 20
REGROUP_LIMIT = 200
# The new face in ``regroup``'s answer, beside the keys of the groups it was given.
NEW = -1


@dataclass(frozen=True)
class Group:
    """A group as average linkage sees it: the sum of its faces' unit vectors and their count.
    A face's mean cosine distance to it is ``1 - face · total / size``: no member is needed."""

    total: np.ndarray
    size: int

    def distance_to(self, face: np.ndarray) -> float:
        return 1.0 - float(self.total @ face) / self.size


def unit(vector: np.ndarray | None) -> np.ndarray | None:
    """The vector's direction as float64, or None for a zero vector (or none), which has
    none."""
    if vector is None:
        return None
    vector = np.asarray(vector, dtype=np.float64)
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else None


def may_regroup(sizes: list[int], fixed: list[bool], limit: int = REGROUP_LIMIT) -> bool:
    """Whether the groups around a new face are grouped again with it: none arranged by staff
    (merged or split by hand), and few enough faces in all for average linkage's matrix."""
    return not any(fixed) and sum(sizes) + 1 <= limit


def regroup(
    face: np.ndarray, members: dict[int, np.ndarray], threshold: float = SAME_PERSON_DISTANCE
) -> list[list[tuple[int, int]]]:
    """The new face and the faces of the groups around it (``members``: key -> their
    embeddings) grouped by average linkage: each new group as (key, row) pairs, ``NEW`` for
    the new face."""
    rows = [(NEW, 0)] + [(key, row) for key, faces in members.items() for row in range(len(faces))]
    embeddings = np.vstack([face[None], *members.values()])
    return [[rows[index] for index in group] for group in group_faces(embeddings, threshold)]


def nearest_group(
    face: np.ndarray, candidates: dict[int, Group], threshold: float = SAME_PERSON_DISTANCE
) -> int | None:
    """The group at the smallest mean distance below the threshold, or None: the face starts
    its own."""
    distances = {key: group.distance_to(face) for key, group in candidates.items()}
    best = min(distances, key=lambda key: distances[key], default=None)
    return best if best is not None and distances[best] < threshold else None


def group_as_they_come(
    embeddings: np.ndarray,
    threshold: float = SAME_PERSON_DISTANCE,
    neighbours: int = NEIGHBOURS,
) -> list[list[int]]:
    """Groups built face by face in row order with the worker's rules (``may_regroup``,
    ``regroup``, ``nearest_group``), each face meeting the groups of its ``neighbours``
    nearest earlier faces in the worker's index: to measure against ``group_faces``, which sees
    all at once."""
    faces: dict[int, np.ndarray] = {}  # row -> its direction, for the faces placed so far
    owner: dict[int, int] = {}  # row -> its group's key
    members: dict[int, list[int]] = {}
    index = FaceIndex()
    for row, embedding in enumerate(embeddings):
        face = unit(embedding)
        if face is None:
            members[row] = [row]
            continue
        faces[row] = face
        nearest = index.nearest(face, neighbours)
        near = {owner[earlier] for earlier, similarity in nearest if 1 - similarity < threshold}
        if may_regroup([len(members[key]) for key in near], [False] * len(near)):
            old = {key: members.pop(key) for key in near}
            around = {key: np.stack([faces[m] for m in rows]) for key, rows in old.items()}
            for group in regroup(face, around, threshold):
                rows = [row if key == NEW else old[key][at] for key, at in group]
                members[rows[0]] = rows
                owner.update(dict.fromkeys(rows, rows[0]))
        else:
            candidates = {
                key: Group(np.sum([faces[m] for m in members[key]], axis=0), len(members[key]))
                for key in near
            }
            key = nearest_group(face, candidates, threshold)
            key = row if key is None else key
            members.setdefault(key, []).append(row)
            owner[row] = key
        index.add([row], face[None])
    found = [sorted(group) for group in members.values()]
    return sorted(found, key=lambda group: (-len(group), group[0]))
