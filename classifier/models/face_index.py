"""Each process's copy of the nearest-faces index (``ml.neighbours.FaceIndex``) over every stored
face with an embedding.

A process restores the latest snapshot from the site's storage once, which is how the web and
workers on other machines get it, then adds the faces stored since at every search (one query
by id). The worker saves a snapshot once enough faces arrived since the last one
(``save_snapshot``: the beat task and ``manage.py group_people``). Deleted faces may stay in
the graph: callers read the faces they find from the database, which drops them. Faces a
reviewer said are not faces, and faces whose embedding was cleared (``forget_bystanders``),
leave it: a search drops those it finds, and they are never added (one a reviewer takes back
comes back when the index is next built anew). Clearing embeddings builds the index anew
(``rebuild``), so that no snapshot keeps them.
"""

import logging
import tempfile
import threading
from pathlib import Path

import numpy as np
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db.models import Max, Q

from classifier.models.embeddings import embedding_vector
from classifier.models.predictions import Face
from ml.neighbours import FaceIndex
from ml.results import NOT_A_FACE

logger = logging.getLogger(__name__)

# Snapshots are named by the newest face they hold: face-index/faces-<id>.usearch.
SNAPSHOTS = "face-index"
# Faces that must have arrived since the last snapshot before another is saved: a snapshot of
# 200,000 faces is about 120 MB.
SAVE_EVERY = 2000
# Faces read from the database at a time while catching up.
BATCH = 5000
# How far below its newest id the index looks again for faces whose transaction committed
# late: more than the faces all workers store at once.
LATE_IDS = 200

_lock = threading.Lock()
_index: FaceIndex | None = None


def nearest_faces(
    vector: np.ndarray, count: int, *, exact: bool = False
) -> list[tuple[int, float]]:
    """The ids of up to ``count`` stored faces nearest ``vector`` with their cosine
    similarity, nearest first; a face deleted lately may be among them. ``exact``: see
    ``FaceIndex.nearest``."""
    with _lock:
        index = _current()
        found = index.nearest(vector, count, exact=exact)
        discarded = set(
            Face.objects.filter(pk__in=[pk for pk, _ in found])
            .filter(Q(review__label=NOT_A_FACE) | Q(embedding__isnull=True))
            .values_list("pk", flat=True)
        )
        if discarded:
            index.remove(sorted(discarded))
        return [(pk, similarity) for pk, similarity in found if pk not in discarded]


def save_snapshot() -> int:
    """Store this process's index, brought up to date, for other processes to start from, if
    ``SAVE_EVERY`` faces arrived since the last snapshot (replacing it); returns how many
    faces the index holds."""
    with _lock:
        index = _current()
        saved = _snapshots()
        if saved and index.last_id - max(saved) < SAVE_EVERY:
            return len(index)
        _replace_snapshots(index, saved)
        return len(index)


def rebuild() -> int:
    """Build this process's index anew from the database and store it as the one snapshot,
    so that faces whose embeddings were cleared are in neither (a removed vector may linger
    in the graph's file); returns how many faces it holds. Other processes drop such faces
    from their own copies as their searches meet them."""
    global _index
    with _lock:
        _index = FaceIndex()
        _catch_up(_index)
        _replace_snapshots(_index, _snapshots())
        return len(_index)


def _replace_snapshots(index: FaceIndex, saved: list[int]) -> None:
    """Store ``index`` as the snapshot in place of the ``saved`` ones."""
    for last_id in saved:
        default_storage.delete(_snapshot_name(last_id))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "faces.usearch"
        index.save(path)
        with path.open("rb") as snapshot:
            default_storage.save(_snapshot_name(index.last_id), File(snapshot))


def _snapshot_name(last_id: int) -> str:
    return f"{SNAPSHOTS}/faces-{last_id}.usearch"


def _snapshots() -> list[int]:
    """The newest face id of each stored snapshot."""
    if not default_storage.exists(SNAPSHOTS):
        return []
    _, names = default_storage.listdir(SNAPSHOTS)
    return [
        int(name.removeprefix("faces-").removesuffix(".usearch"))
        for name in names
        if name.startswith("faces-") and name.endswith(".usearch")
        and name[len("faces-"):-len(".usearch")].isdigit()
    ]  # fmt: skip


def forget() -> None:
    """Drop this process's copy (tests, and a database emptied under a running process)."""
    global _index
    with _lock:
        _index = None


def _current() -> FaceIndex:
    """The index, brought up to date; built anew if the database's newest face is older than
    the index's (a database restored from a backup, or emptied)."""
    global _index
    if _index is None:
        _index = _restored() or FaceIndex()
    newest = Face.objects.aggregate(newest=Max("pk"))["newest"] or 0
    if newest < _index.last_id:
        _index = FaceIndex()
    _catch_up(_index)
    return _index


def _restored() -> FaceIndex | None:
    saved = _snapshots()
    if not saved:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "faces.usearch"
        with default_storage.open(_snapshot_name(max(saved)), "rb") as stored:
            path.write_bytes(stored.read())
        try:
            return FaceIndex.restore(path)
        except (ValueError, RuntimeError) as error:
            logger.warning("The face index snapshot is unreadable, building anew: %s", error)
            return None


def _catch_up(index: FaceIndex) -> None:
    """Add the faces stored since the index's newest one, and those just below it that were
    not there yet: ids are handed out when rows are written but seen when their transaction
    commits, so a worker's face may appear after a higher id of another worker's."""
    recent = Face.objects.kept().filter(pk__gt=index.last_id - LATE_IDS, embedding__isnull=False)
    late = [pk for pk in recent.filter(pk__lte=index.last_id).values_list("pk", flat=True)
            if pk not in index]  # fmt: skip
    _add(index, Face.objects.filter(pk__in=late))
    while _add(index, Face.objects.kept().filter(pk__gt=index.last_id, embedding__isnull=False)):
        pass


def _add(index: FaceIndex, faces) -> bool:
    """Add a batch of these faces, lowest ids first; False once there are none."""
    rows = list(faces.order_by("pk").values_list("pk", "embedding")[:BATCH])
    if not rows:
        return False
    vectors = [embedding_vector(stored) for _, stored in rows]
    index.add([pk for pk, _ in rows], np.stack([v for v in vectors if v is not None]))
    return True
