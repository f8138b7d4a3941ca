"""POST /api/models/{version}/rerun/: history named again with another version, reviews kept."""

import pytest

from classifier.models import Face, ModelVersion, Prediction
from classifier.models.versions import ONE_RERUN, Rerun
from classifier.worker.rerun import rerun
from tests.web.test_version_comparison import reviewed, unit, versions  # noqa: F401

FACE = {"box": (1, 2, 30, 30), "label": "unknown", "candidate": "a", "score": 0.0}


def photo_of(make_prediction, vector) -> Prediction:
    prediction = make_prediction(faces=[{**FACE, "needs_review": False}], label="unknown")
    Face.objects.filter(prediction=prediction).update(embedding=vector.astype("<f4").tobytes())
    return prediction


@pytest.mark.db_engine  # bulk_update in a transaction, on_commit
def test_it_names_stored_faces_again_and_keeps_reviews(make_prediction, staff, versions):  # noqa: F811
    _, new = versions
    of_c = photo_of(make_prediction, unit(2))
    reviewed_a = reviewed(make_prediction, staff, unit(0), "a")
    legacy = make_prediction(faces=[{**FACE, "needs_review": False}])  # stored without embedding

    rerun(Prediction.objects.all(), new)

    of_c.refresh_from_db()
    assert (of_c.label, of_c.model_version) == ("c", new)
    assert of_c.faces.get().label == "c"
    face = reviewed_a.faces.get()
    assert face.label == "unknown"  # the new version is never sure of a
    assert face.review is not None and face.answer == "a"  # the reviewer's answer stands
    reviewed_a.refresh_from_db()
    assert reviewed_a.label == "a"
    legacy.refresh_from_db()
    assert legacy.model_version.version == "v1"
    new.refresh_from_db()
    assert new.last_rerun == Rerun("finished", total=3, done=2, skipped=1)


def test_it_starts_in_the_worker_with_the_history_s_filters(staff_client, versions, monkeypatch):  # noqa: F811
    from athletes_site.celery_app import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **kwargs: sent.append((name, args)))

    response = staff_client.post("/api/models/new/rerun/?label=unknown&reviewed=false")

    assert response.status_code == 202
    assert response.json()["rerun"]["status"] == "queued"
    assert ModelVersion.objects.get(version="new").rerun["filters"] == {
        "label": "unknown",
        "reviewed": "false",
    }


@pytest.mark.db_engine  # row locks (select_for_update) and the JSON field
def test_a_second_rerun_is_refused_while_one_is_going(staff_client, versions, monkeypatch):  # noqa: F811
    from athletes_site.celery_app import app

    monkeypatch.setattr(app, "send_task", lambda name, args, **kwargs: None)
    assert staff_client.post("/api/models/new/rerun/").status_code == 202

    for version in ("new", "old"):
        response = staff_client.post(f"/api/models/{version}/rerun/")
        assert response.status_code == 409
        assert response.json()["detail"] == ONE_RERUN
    assert ModelVersion.objects.get(version="old").rerun == {}

    new = ModelVersion.objects.get(version="new")
    new.record_rerun(Rerun("finished", started_at=new.rerun["started_at"]))
    assert staff_client.post("/api/models/old/rerun/").status_code == 202


def test_it_refuses_a_filter_that_is_not_valid(staff_client, versions):  # noqa: F811
    response = staff_client.post("/api/models/new/rerun/?status=sleeping")

    assert response.status_code == 400
    assert ModelVersion.objects.get(version="new").rerun == {}


def test_it_refuses_a_version_in_training(staff_client, versions):  # noqa: F811
    ModelVersion.objects.create(version="next", status=ModelVersion.Status.TRAINING)

    assert staff_client.post("/api/models/next/rerun/").status_code == 409


def test_it_needs_the_permission_to_activate(user_client, versions):  # noqa: F811
    assert user_client.post("/api/models/new/rerun/").status_code == 403
    assert ModelVersion.objects.get(version="new").rerun == {}


@pytest.mark.db_engine  # the history's filters as a query
def test_the_worker_s_task_re_runs_only_what_the_filters_select(make_prediction, versions):  # noqa: F811
    from classifier.tasks import rerun_history

    of_c = photo_of(make_prediction, unit(2))
    named_a = photo_of(make_prediction, unit(2))
    Prediction.objects.filter(pk=named_a.pk).update(label="a")

    rerun_history("new", {"label": "unknown"})

    of_c.refresh_from_db()
    named_a.refresh_from_db()
    assert (of_c.label, of_c.model_version.version) == ("c", "new")
    assert (named_a.label, named_a.model_version.version) == ("a", "v1")
    assert ModelVersion.objects.get(version="new").rerun["done"] == 1
