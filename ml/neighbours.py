"""The nearest faces of an archive: an HNSW graph (usearch) over every face's direction.

Chosen by measurement (docs/benchmarks.md, "Nearest faces across the archive"): scanning 200,000
embeddings took about 50 ms a query on this 2-core machine, too slow for the worker, which
searches once per face; pgvector is not on the server and sqlite-vec cannot load into this
Python's SQLite. The graph answers in about a millisecond, its recall@10 against exact search is
measured by ``recall_at_10``, and it saves and restores in a fraction of a second, so a process
restores a snapshot and adds only the faces stored since. Vectors are quantized to int8, cosine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from usearch.index import Index

DIMENSIONS = 128
# The graph's degree and the breadth of its searches: recall@10 0.95+ on the seeded archive
# of 200,000 faces, where most faces' tenth neighbour is a stranger (docs/benchmarks.md).
CONNECTIVITY = 16
EXPANSION_ADD = 64
EXPANSION_SEARCH = 128
# Faces a scan reads ("more photos of this person") before ordering them by stored embeddings.
SCANNED = 100


class FaceIndex:
    """Faces by id, searched by cosine similarity. Not thread-safe for adding: its owner
    serialises writes (one per process)."""

    def __init__(self, index: Index | None = None):
        self.index = index or Index(
            ndim=DIMENSIONS,
            metric="cos",
            dtype="i8",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=EXPANSION_SEARCH,
        )
        # keys[:] is one array; iterating the keys one by one took minutes at 200,000.
        self.last_id = int(np.max(self.index.keys[:])) if len(self.index) else 0

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, pk: int) -> bool:
        return pk in self.index

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        """Index these faces; ids must be new. Zero vectors have no direction and are skipped."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), DIMENSIONS)
        keep = np.linalg.norm(vectors, axis=1) > 0
        if keep.any():
            self.index.add(np.asarray(ids, dtype=np.uint64)[keep], vectors[keep], threads=1)
        self.last_id = max(self.last_id, *ids) if ids else self.last_id

    def remove(self, ids: list[int]) -> None:
        for pk in ids:
            if pk in self.index:
                self.index.remove(pk)

    def nearest(
        self, vector: np.ndarray, count: int, *, exact: bool = False
    ) -> list[tuple[int, float]]:
        """Up to ``count`` faces nearest ``vector``: (id, cosine similarity), nearest first.
        ``exact`` scans every stored vector instead of walking the graph: tens of milliseconds
        at 200,000 faces rather than one, but it misses none of them (docs/benchmarks.md)."""
        vector = np.asarray(vector, dtype=np.float32)
        if not len(self.index) or not np.linalg.norm(vector) > 0:
            return []
        found = self.index.search(vector, count, threads=1, exact=exact)
        pairs = zip(found.keys, found.distances, strict=True)
        return [(int(key), 1.0 - float(distance)) for key, distance in pairs]

    def save(self, path: Path) -> None:
        """Write a snapshot atomically: a reader never sees half a file."""
        part = path.with_name(f"{path.name}.part")
        self.index.save(str(part))
        part.replace(path)

    @classmethod
    def restore(cls, path: Path) -> FaceIndex:
        index = Index.restore(str(path))
        if index is None:
            raise ValueError(f"Not a face index: {path}")
        index.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]  # settable at run time
        return cls(index)


def reranked(
    vector: np.ndarray, candidates: dict[int, np.ndarray], count: int
) -> list[tuple[int, float]]:
    """The ``count`` of ``candidates`` (id: full-precision embedding) nearest ``vector`` by
    their float cosine: the index keeps int8 copies, whose rounding reorders faces within a
    few thousandths of each other, so a list shown to a user is ordered by the stored faces."""
    unit = np.asarray(vector, dtype=np.float32) / np.linalg.norm(vector)
    scored = [
        (pk, float(unit @ other / norm))
        for pk, other in candidates.items()
        if (norm := np.linalg.norm(other)) > 0
    ]
    return sorted(scored, key=lambda pair: -pair[1])[:count]


def exact_nearest(
    vector: np.ndarray, ids: np.ndarray, units: np.ndarray, count: int
) -> list[tuple[int, float]]:
    """The same answer as ``FaceIndex.nearest`` by scanning every unit vector: the truth that
    recall is measured against."""
    similarity = units @ (vector / np.linalg.norm(vector))
    top = np.argpartition(-similarity, min(count, len(ids) - 1))[:count]
    top = top[np.argsort(-similarity[top])]
    return [(int(ids[i]), float(similarity[i])) for i in top]


def recall_at_10(
    search: Callable[[np.ndarray, int], list[tuple[int, float]]],
    ids: np.ndarray,
    vectors: np.ndarray,
    queries: int,
    seed: int = 0,
    tolerance: float = 0.0,
) -> tuple[float, float]:
    """The share of each query face's 10 nearest other faces (by exact search) that ``search``
    (an index's ``nearest``) returns among its 10, over ``queries`` faces drawn at random:
    (mean, lowest).

    With a ``tolerance``, a face returned counts if it is within that cosine of the tenth exact
    neighbour, as ann-benchmarks counts: where thousands of faces are almost equally near (one
    athlete's faces in a seeded archive), which ten of them are "the" nearest is a matter of the
    third decimal, and an exact list no index reproduces says nothing about what a user sees.
    """
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    shares = []
    for row in np.random.default_rng(seed).choice(len(ids), queries, replace=False):
        query = int(ids[row])
        truth = [pair for pair in exact_nearest(units[row], ids, units, 11) if pair[0] != query]
        truth = truth[:10]
        found = [pk for pk, _ in search(units[row], 11) if pk != query][:10]
        if tolerance:
            similarity = dict(zip(ids.tolist(), (units @ units[row]).tolist(), strict=True))
            floor = truth[-1][1] - tolerance
            hits = sum(similarity[pk] >= floor for pk in found)
        else:
            hits = len({pk for pk, _ in truth} & set(found))
        shares.append(hits / len(truth))
    return float(np.mean(shares)), float(np.min(shares))
