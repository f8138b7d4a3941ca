"""The nearest faces of an archive (ml.neighbours): the graph's answers against exact search,
snapshots, and faces without a direction."""

import numpy as np

from ml.neighbours import SCANNED, FaceIndex, exact_nearest, recall_at_10, reranked


def faces(count: int, people: int, seed: int = 0) -> np.ndarray:
    """Made-up faces: each person a random direction, each face a little off it."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(people, 128))
    return directions[rng.integers(0, people, count)] + rng.normal(scale=0.5, size=(count, 128))


def test_its_nearest_faces_are_the_exact_ones_on_a_small_archive():
    vectors = faces(2000, 200)
    ids = np.arange(1, 2001)
    index = FaceIndex()
    index.add(list(ids), vectors)

    mean, lowest = recall_at_10(index.nearest, ids, vectors, queries=50)

    assert mean >= 0.95 and lowest >= 0.5
    nearest = index.nearest(vectors[0], 3)
    assert nearest[0][0] == 1 and nearest[0][1] > 0.99
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert [pk for pk, _ in nearest] == [pk for pk, _ in exact_nearest(units[0], ids, units, 3)]


def test_an_exact_search_misses_none_of_the_nearest_among_near_ties():
    vectors = faces(20_000, 2)  # two people of 10,000 almost equally near faces each
    ids = np.arange(1, 20_001)
    index = FaceIndex()
    index.add(list(ids), vectors)

    def scan(vector, count):
        return index.nearest(vector, count, exact=True)

    def scan_reordered(vector, count):
        found = index.nearest(vector, SCANNED, exact=True)
        return reranked(vector, {pk: vectors[pk - 1] for pk, _ in found}, count)

    assert recall_at_10(scan, ids, vectors, queries=20, tolerance=0.01)[0] == 1.0
    assert recall_at_10(scan_reordered, ids, vectors, queries=20) == (1.0, 1.0)


def test_a_snapshot_restores_the_same_answers_and_the_last_id(tmp_path):
    vectors = faces(300, 30)
    index = FaceIndex()
    index.add(list(range(10, 310)), vectors)
    index.save(tmp_path / "faces.usearch")

    restored = FaceIndex.restore(tmp_path / "faces.usearch")

    assert len(restored) == 300 and restored.last_id == 309
    assert restored.nearest(vectors[5], 5) == index.nearest(vectors[5], 5)
    assert not (tmp_path / "faces.usearch.part").exists()


def test_zero_vectors_are_not_indexed_and_find_nothing():
    index = FaceIndex()
    index.add([1, 2], np.stack([np.zeros(128), np.ones(128)]))

    assert len(index) == 1 and index.last_id == 2
    assert index.nearest(np.zeros(128), 5) == []
    assert FaceIndex().nearest(np.ones(128), 5) == []


def test_removed_faces_are_no_longer_found():
    vectors = faces(50, 5)
    index = FaceIndex()
    index.add(list(range(1, 51)), vectors)

    index.remove([1, 999])

    assert 1 not in [pk for pk, _ in index.nearest(vectors[0], 10)]


def test_recall_within_a_tolerance_counts_faces_as_near_as_the_tenth():
    vectors = faces(500, 50)
    ids = np.arange(1, 501)
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def next_ten(vector, count):  # the 11th to 20th exact neighbours: none of the ten nearest
        return exact_nearest(vector, ids, units, 21)[11:21]

    assert recall_at_10(next_ten, ids, vectors, queries=20)[0] == 0.0
    assert recall_at_10(next_ten, ids, vectors, queries=20, tolerance=2.0)[0] == 1.0
    assert recall_at_10(next_ten, ids, vectors, queries=20, tolerance=1e-6)[0] < 0.5
