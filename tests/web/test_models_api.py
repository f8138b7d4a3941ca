"""POST /api/models/ (train), GET /api/models/{version}/, activate and roll back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from classifier.models import ModelVersion
from classifier.models.versions import ONE_TRAINING
from tests.web.conftest import stored_manifest


@pytest.fixture
def sent_training(monkeypatch) -> list[tuple[str, list]]:
    from athletes_site.celery_app import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **kwargs: sent.append((name, args)))
    return sent


@pytest.fixture
def second_version(model_version) -> ModelVersion:
    labels = ["lebron_james", "rafael_nadal"]
    return ModelVersion.objects.create(
        version="v2", path="v2", manifest=stored_manifest("v2", labels)
    )


def test_it_starts_training_in_the_worker(
    staff_client, sent_training, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/api/models/")

    assert response.status_code == 202
    version = response.json()["version"]
    assert response["Location"].endswith(f"/api/models/{version}/")
    model_version = ModelVersion.objects.get(version=version)
    assert (model_version.status, model_version.is_active) == ("training", False)
    assert sent_training == [("classifier.tasks.train_model_version", [version])]


@pytest.mark.db_engine  # a partial unique constraint holds one training at a time
def test_a_second_training_is_refused_while_one_is_going(
    staff_client, staff, sent_training, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post("/api/models/")
        second = staff_client.post("/api/models/")

    assert first.status_code == 202
    assert first.json()["started_by"] == staff.username
    assert second.status_code == 409
    assert second.json()["detail"] == ONE_TRAINING
    training = ModelVersion.objects.get(status=ModelVersion.Status.TRAINING)
    assert training.started_by == staff
    assert sent_training == [("classifier.tasks.train_model_version", [training.version])]


def test_a_training_whose_worker_was_lost_no_longer_blocks_the_next(staff_client, sent_training):
    lost = ModelVersion.objects.create(
        version="lost", status=ModelVersion.Status.TRAINING,
        created_at=timezone.now() - timedelta(hours=3),
    )  # fmt: skip

    assert staff_client.post("/api/models/").status_code == 202

    lost.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", "The worker never finished it.")


def test_it_shows_a_version_s_status_and_metrics(staff_client, model_version):
    response = staff_client.get("/api/models/v1/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["progress"], body["is_active"]) == ("ready", 100, True)
    assert body["labels"] == ["lebron_james", "rafael_nadal"]
    assert body["training_counts"] == {"lebron_james": 30, "rafael_nadal": 30}
    assert body["metrics"] == {"accuracy_mean": 0.98}


def test_it_activates_a_ready_version(staff_client, second_version):
    response = staff_client.post("/api/models/v2/activate/")

    assert response.status_code == 200
    second_version.refresh_from_db()
    assert second_version.is_active and second_version.activated_at is not None
    assert ModelVersion.objects.active() == second_version


def test_it_refuses_to_activate_a_version_in_training(staff_client, model_version):
    ModelVersion.objects.create(version="v3", status=ModelVersion.Status.TRAINING, progress=5)

    response = staff_client.post("/api/models/v3/activate/")

    assert response.status_code == 409
    assert "training" in response.json()["detail"]
    assert ModelVersion.objects.active() == model_version


def test_it_rolls_back_to_the_version_active_before(staff_client, model_version, second_version):
    model_version.activate()
    second_version.activate()

    response = staff_client.post("/api/models/rollback/")

    assert response.status_code == 200
    assert response.json()["version"] == "v1"
    assert ModelVersion.objects.active() == model_version


def test_it_says_when_there_is_nothing_to_roll_back_to(staff_client, model_version):
    response = staff_client.post("/api/models/rollback/")

    assert response.status_code == 409
    assert ModelVersion.objects.active() == model_version


def test_it_answers_404_for_an_unknown_version(staff_client, model_version):
    assert staff_client.get("/api/models/nope/").status_code == 404
    assert staff_client.post("/api/models/nope/activate/").status_code == 404


def test_it_needs_the_permissions(user_client, second_version, sent_training):
    assert user_client.post("/api/models/").status_code == 403
    assert user_client.get("/api/models/v2/").status_code == 403
    assert user_client.post("/api/models/v2/activate/").status_code == 403
    assert user_client.post("/api/models/rollback/").status_code == 403
    assert ModelVersion.objects.count() == 2
    assert ModelVersion.objects.active().version == "v1"
    assert sent_training == []
