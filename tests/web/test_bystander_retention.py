"""Faces nobody named lose their embeddings once their photos are older than
ATHLETES_BYSTANDER_RETENTION_DAYS (manage.py forget_bystanders, beat daily): out of their
groups on People and out of the nearest-faces index, its snapshot included; every face someone
named, reviewed or arranged keeps its embedding."""

import io
import logging
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from classifier import tasks
from classifier.models import Face, FaceReview, Person, face_index
from classifier.models.embeddings import embedding_bytes
from classifier.models.face_index import nearest_faces
from ml.neighbours import FaceIndex
from tests.web.test_people import SURE_NADAL, UNKNOWN_FACE, direction, stranger

pytestmark = pytest.mark.db_engine  # a join on a nullable relation excluded, updates in batches

ASKED = {**UNKNOWN_FACE, "candidate": "rafael_nadal", "score": 0.6, "needs_review": True}


def uploaded_days_ago(face: Face, days: int) -> Face:
    face.prediction.__class__.objects.filter(pk=face.prediction_id).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    return face


def forget(days: int | None = None) -> str:
    out = io.StringIO()
    call_command("forget_bystanders", *([] if days is None else ["--days", str(days)]), stdout=out)
    return out.getvalue()


def embedding_of(face: Face) -> bytes | None:
    face.refresh_from_db()
    return face.embedding


@pytest.fixture
def archive(make_prediction, staff):
    """Old faces: a group of three bystanders, one of whom a reviewer said is nobody known;
    a face the model asked about; a face in a group staff split off; a sure Nadal. And a new
    bystander who looks like the old group."""
    old = [stranger(make_prediction, direction(0, w), f"crowd{n}.jpg")
           for n, w in enumerate([0, 0.05, 0.1])]  # fmt: skip
    old[2].record_review(staff, FaceReview.Verdict.CORRECT, "unknown")
    asked = make_prediction(faces=[ASKED], label="unknown").faces.get()
    Face.objects.filter(pk=asked.pk).update(embedding=embedding_bytes(direction(30)))
    arranged = [stranger(make_prediction, direction(60, w), f"kept{n}.jpg")
                for n, w in enumerate([0, 0.1])]  # fmt: skip
    arranged[0].person.split([arranged[1]])
    sure = make_prediction(faces=[SURE_NADAL]).faces.get()
    Face.objects.filter(pk=sure.pk).update(embedding=embedding_bytes(direction(90)))
    for face in [*old, asked, *arranged, sure]:
        uploaded_days_ago(face, 400)
    new = stranger(make_prediction, direction(0, 0.12), "new.jpg")
    return {"old": old, "asked": asked, "arranged": arranged, "sure": sure, "new": new}


def test_old_faces_nobody_named_lose_their_embeddings_and_the_rest_keep_theirs(archive):
    crowd = archive["old"]
    group = Person.objects.get(pk=crowd[0].person_id)
    assert group.size == 4  # the three old faces and the new one

    output = forget(365)

    assert "Cleared the embeddings of 2 faces nobody named" in output
    assert [embedding_of(face) for face in crowd[:2]] == [None, None]
    kept = [crowd[2], archive["asked"], *archive["arranged"], archive["sure"], archive["new"]]
    assert all(embedding_of(face) is not None for face in kept)
    group.refresh_from_db()
    assert group.size == 2 and {f.pk for f in group.faces.all()} == {
        crowd[2].pk,
        archive["new"].pk,
    }
    left = [unit for face in (crowd[2], archive["new"]) for unit in [face.vector]]
    assert np.allclose(group.group.total, sum(v / np.linalg.norm(v) for v in left), atol=1e-5), (
        "the group's sum still holds the forgotten faces"
    )


def test_the_index_and_its_snapshot_forget_them(archive, media_root):
    crowd = archive["old"]
    assert crowd[0].pk in {pk for pk, _ in nearest_faces(direction(0), 10)}
    face_index.save_snapshot()

    forget(365)

    found = {pk for pk, _ in nearest_faces(direction(0), 10)}
    assert crowd[0].pk not in found and crowd[1].pk not in found
    (snapshot,) = (media_root / "face-index").iterdir()
    restored = FaceIndex.restore(snapshot)
    assert crowd[0].pk not in restored and crowd[1].pk not in restored
    assert archive["new"].pk in restored


def test_another_process_drops_a_forgotten_face_from_its_own_copy(archive):
    crowd = archive["old"]
    assert crowd[0].pk in {pk for pk, _ in nearest_faces(direction(0), 10)}
    Face.objects.filter(pk=crowd[0].pk).update(embedding=None)  # as another process cleared it

    assert crowd[0].pk not in {pk for pk, _ in nearest_faces(direction(0), 10)}


def test_recent_faces_stay_and_zero_days_keeps_everything(archive, settings):
    assert "of 0 faces" in forget(500)
    settings.ATHLETES_BYSTANDER_RETENTION_DAYS = 0

    assert "Retention is off" in forget()

    assert all(embedding_of(face) is not None for face in archive["old"])


@pytest.mark.parametrize("task", [tasks.group_people, tasks.forget_bystanders])
def test_beat_s_commands_log_their_summary_and_print_nothing(archive, task, capsys, caplog):
    # Celery logs what a task prints as a WARNING, so the worker's log read like trouble.
    with caplog.at_level(logging.INFO, logger="classifier.tasks"):
        task()

    levels = {r.levelname for r in caplog.records if r.name == "classifier.tasks"}
    assert capsys.readouterr().out == ""
    assert levels == {"INFO"}
