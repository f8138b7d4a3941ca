"""How well unknown faces group by person, measured on a folder of strangers.

`python -m ml cluster --dev DIR` embeds the largest face of every photo under `DIR/others/`
(one sub-folder per person) the way the worker stores faces, groups them at several
thresholds with ``ml.clustering.group_faces`` and beside it the other usual methods, and
prints what staff would see: the groups of two or more, how pure they are and how much of
each person they gather. The threshold is chosen from these totals, never from one photo.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path

import numpy as np

from ml.clustering import group_as_they_come, group_faces
from ml.dataset import PHOTO_SUFFIXES
from ml.embedder import Embedder
from ml.errors import ImageRejected, ModelError
from ml.faces import FaceDetector
from ml.imaging import load_image

log = logging.getLogger(__name__)

Grouping = Callable[[np.ndarray, float], list[list[int]]]


def embed_people(others: Path, detector: FaceDetector, embedder: Embedder):
    """The largest face of each photo under ``others/<person>/``: (embeddings, persons)."""
    if not others.is_dir():
        raise ModelError(f"Folder of other people not found: {others}")
    rows, persons = [], []
    for folder in sorted(path for path in others.iterdir() if path.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in PHOTO_SUFFIXES:
                continue
            try:
                faces = detector.detect(load_image(path).image).faces
            except ImageRejected as error:
                log.info("  skipped %s: %s", path, error)
                continue
            if faces:
                rows.append(embedder.embed(faces[0].crop[None])[0])
                persons.append(folder.name)
    return np.stack(rows), persons


def measure(groups: Sequence[Sequence[int]], persons: Sequence[str]) -> dict[str, float]:
    """What staff see of a grouping: groups of two or more (`shown`), the share of their faces
    that are their group's main person (`purity`), the share of each person's faces (people
    with two or more) in their biggest shown group (`completeness`), and pairwise precision
    and recall over same-person pairs."""
    shown = [group for group in groups if len(group) >= 2]
    in_shown = sum(len(group) for group in shown)
    main = sum(Counter(persons[i] for i in group).most_common(1)[0][1] for group in shown)
    repeated = {person for person, n in Counter(persons).items() if n >= 2}
    gathered = {person: 0 for person in repeated}
    for group in shown:
        for person, n in Counter(persons[i] for i in group).items():
            if person in gathered:
                gathered[person] = max(gathered[person], n)
    repeated_faces = sum(1 for person in persons if person in repeated)
    together = {pair for group in shown for pair in combinations(sorted(group), 2)}
    pairs = combinations(range(len(persons)), 2)
    same = {(i, j) for i, j in pairs if persons[i] == persons[j]}
    return {
        "shown": len(shown),
        "faces_shown": in_shown,
        "purity": main / in_shown if in_shown else 1.0,
        "completeness": sum(gathered.values()) / repeated_faces if repeated_faces else 1.0,
        "pair_precision": len(together & same) / len(together) if together else 1.0,
        "pair_recall": len(together & same) / len(same) if same else 1.0,
    }


def other_methods() -> dict[str, Grouping]:
    """The usual alternatives, from SciPy and scikit-learn (worker and development only)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import DBSCAN

    def hierarchy(method: str) -> Grouping:
        def grouped(embeddings: np.ndarray, threshold: float) -> list[list[int]]:
            tree = linkage(embeddings, method=method, metric="cosine")
            return _as_groups(fcluster(tree, t=threshold, criterion="distance"))

        return grouped

    def dbscan(embeddings: np.ndarray, threshold: float) -> list[list[int]]:
        found = DBSCAN(eps=threshold, min_samples=2, metric="cosine").fit(embeddings).labels_
        singles = np.arange(len(found)) + found.max() + 1
        return _as_groups(np.where(found < 0, singles, found))

    return {
        "single (scipy)": hierarchy("single"),
        "complete (scipy)": hierarchy("complete"),
        "average (scipy)": hierarchy("average"),
        "dbscan min 2": dbscan,
    }


# Arrival orders the grouping as faces arrive is measured in, besides the folder's.
ORDERS = 5


def arriving_shuffled(seed: int) -> Grouping:
    """``group_as_they_come`` with the faces arriving in a shuffled order (seeded), since
    grouping face by face depends on the order and the worker sees them in upload order."""

    def grouped(embeddings: np.ndarray, threshold: float) -> list[list[int]]:
        order = np.random.default_rng(seed).permutation(len(embeddings))
        groups = group_as_they_come(embeddings[order], threshold)
        return [sorted(int(order[row]) for row in group) for group in groups]

    return grouped


def hdbscan_groups(embeddings: np.ndarray) -> list[list[int]]:
    """scikit-learn's HDBSCAN, which needs no threshold (smallest group: two faces)."""
    from sklearn.cluster import HDBSCAN

    found = HDBSCAN(min_cluster_size=2, metric="cosine", copy=True).fit(embeddings).labels_
    singles = np.arange(len(found)) + found.max() + 1
    return _as_groups(np.where(found < 0, singles, found))


def _as_groups(labels: np.ndarray) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(int(label), []).append(row)
    return list(groups.values())


def report(embeddings: np.ndarray, persons: list[str], thresholds: list[float]) -> list[str]:
    """One line per method and threshold, ours (``group_faces``) first."""
    people = Counter(persons)
    lines = [
        f"{len(persons)} faces of {len(people)} people, "
        f"{sum(1 for n in people.values() if n >= 2)} of them in two or more photos",
        f"{'method':<18}{'threshold':>10}{'shown':>7}{'faces':>7}{'purity':>8}"
        f"{'complete':>10}{'pair P':>8}{'pair R':>8}",
    ]
    methods: dict[str, Grouping] = {
        "average (ours)": group_faces,
        "as they come": group_as_they_come,
        **{f"shuffled {seed}": arriving_shuffled(seed) for seed in range(ORDERS)},
        **other_methods(),
    }
    runs = [(name, t, run(embeddings, t)) for name, run in methods.items() for t in thresholds]
    runs.append(("hdbscan min 2", float("nan"), hdbscan_groups(embeddings)))
    for name, threshold, groups in runs:
        m = measure(groups, persons)
        lines.append(
            f"{name:<18}{threshold:>10.2f}{m['shown']:>7}{m['faces_shown']:>7}"
            f"{m['purity']:>8.3f}{m['completeness']:>10.3f}{m['pair_precision']:>8.3f}"
            f"{m['pair_recall']:>8.3f}"
        )
    return lines
