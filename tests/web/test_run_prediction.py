"""The Celery task: claims its row once, stores the result, bounds retries, explains failures."""

import numpy as np
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from celery.exceptions import SoftTimeLimitExceeded

from classifier.models import ModelVersion, Prediction
from classifier.tasks import NOT_READY_REASON, run_prediction
from classifier.worker import inference
from ml.errors import ImageRejected, ModelError


@pytest.fixture
def queued(make_prediction, media_photo) -> Prediction:
    return make_prediction(
        status="queued",
        label="",
        confidence=None,
        annotated="",
        image=media_photo,
        model_version=None,
    )


def run(prediction: Prediction, task_id: str = "task-1") -> Prediction:
    run_prediction.apply(args=[str(prediction.pk)], task_id=task_id)
    prediction.refresh_from_db()
    return prediction


@pytest.mark.db_engine  # JSON, binary embeddings and times stored
def test_it_stores_the_result_and_the_annotated_photo(queued, fake_predictor, model_version):
    prediction = run(queued)

    assert prediction.status == Prediction.Status.DONE
    assert prediction.label == "rafael_nadal"
    assert prediction.confidence == pytest.approx(0.97)
    (face,) = prediction.faces.all()
    assert (face.position, face.box, face.label, face.candidate) == (
        0,
        [4, 4, 20, 20],
        "rafael_nadal",
        "rafael_nadal",
    )
    assert (face.score, face.needs_review, face.detection_confidence) == (0.97, False, 0.99)
    assert face.vector.dtype == np.float32 and face.vector.tolist() == [pytest.approx(0.0884)] * 128
    assert prediction.model_version == model_version
    assert prediction.annotated.name.startswith("annotated/")
    assert prediction.annotated.storage.exists(prediction.annotated.name)
    assert {"detect_ms", "queue_ms", "model_load_ms", "worker_ms"} <= set(prediction.timings)
    assert prediction.started_at <= prediction.finished_at
    assert prediction.attempts == 1
    assert prediction.error == ""


@pytest.mark.db_engine  # the claim: a conditional UPDATE
def test_it_does_nothing_for_a_finished_prediction(make_prediction, fake_predictor):
    prediction = make_prediction(status="done")

    run(prediction)

    assert fake_predictor.calls == 0
    prediction.refresh_from_db()
    assert prediction.attempts == 0


@pytest.mark.db_engine  # the claim: a conditional UPDATE
def test_a_duplicate_delivery_does_not_take_a_running_row(queued, fake_predictor):
    Prediction.objects.filter(pk=queued.pk).update(status="running", task_id="the-first-task")

    prediction = run(queued, task_id="a-duplicate")

    assert fake_predictor.calls == 0
    assert prediction.status == Prediction.Status.RUNNING
    assert prediction.task_id == "the-first-task"


@pytest.mark.db_engine  # the claim: a conditional UPDATE with F()
def test_a_redelivery_after_a_lost_worker_finishes_the_row(queued, fake_predictor):
    Prediction.objects.filter(pk=queued.pk).update(status="running", task_id="task-1", attempts=1)

    prediction = run(queued, task_id="task-1")

    assert prediction.status == Prediction.Status.DONE
    assert prediction.attempts == 2


def test_it_gives_up_when_the_worker_was_lost_too_often(queued, fake_predictor, settings):
    Prediction.objects.filter(pk=queued.pk).update(
        status="running", task_id="task-1", attempts=settings.ATHLETES_MAX_ATTEMPTS
    )

    prediction = run(queued, task_id="task-1")

    assert fake_predictor.calls == 0
    assert prediction.status == Prediction.Status.FAILED
    assert "the worker stopped while processing this photo" in prediction.error


@pytest.mark.db_engine  # attempts counted with F() across retries
def test_it_retries_a_storage_error_a_bounded_number_of_times_then_fails_with_the_reason(
    queued, fake_predictor, settings
):
    fake_predictor.error = OSError(5, "Input/output error", "/srv/media/uploads/x.jpg")

    prediction = run(queued)

    assert fake_predictor.calls == settings.ATHLETES_MAX_ATTEMPTS
    assert prediction.status == Prediction.Status.FAILED
    reason = "Failed after 3 attempts: the stored photo could not be read or written."
    assert prediction.error == reason
    assert prediction.attempts == settings.ATHLETES_MAX_ATTEMPTS


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="http://minio:9000/athletes/uploads/x.jpg"),
        ClientError({"Error": {"Code": "SlowDown", "Message": "Reduce your rate"}}, "GetObject"),
    ],
)
def test_it_retries_when_the_bucket_fails_as_when_the_disk_does(
    queued, fake_predictor, settings, error
):
    fake_predictor.error = error

    prediction = run(queued)

    assert fake_predictor.calls == settings.ATHLETES_MAX_ATTEMPTS
    assert prediction.status == Prediction.Status.FAILED
    reason = "Failed after 3 attempts: the stored photo could not be read or written."
    assert prediction.error == reason


@pytest.mark.parametrize(
    "error",
    [
        ZeroDivisionError("float division by zero"),
        OSError("broken data stream when writing image file"),
        ValueError("tile cannot extend outside image"),
    ],
)
def test_a_deterministic_error_fails_at_once_in_plain_words_and_is_logged(
    queued, fake_predictor, caplog, error
):
    fake_predictor.error = error

    prediction = run(queued)

    assert fake_predictor.calls == 1
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.attempts == 1
    assert prediction.error == "The recognizer could not process this photo."
    assert type(error).__name__ in caplog.text


def test_a_retry_that_succeeds_clears_the_error(queued, fake_predictor):
    calls = []
    analyse = fake_predictor.analyse

    def flaky(image, allowed=None):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(116, "Stale file handle")
        return analyse(image, allowed)

    fake_predictor.analyse = flaky

    prediction = run(queued)

    assert prediction.status == Prediction.Status.DONE
    assert prediction.attempts == 2
    assert prediction.error == ""


def test_a_time_limit_fails_at_once_and_is_explained(queued, fake_predictor, settings):
    fake_predictor.error = SoftTimeLimitExceeded()

    prediction = run(queued)

    limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert fake_predictor.calls == 1
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.attempts == 1
    reason = f"Analysing this photo took longer than {limit} s, so it was stopped."
    assert prediction.error == reason


def test_a_photo_the_recognizer_cannot_read_is_refused_at_once(queued, fake_predictor):
    fake_predictor.error = ImageRejected("This file is not an image we can read.")

    prediction = run(queued)

    assert fake_predictor.calls == 1
    assert prediction.status == Prediction.Status.REFUSED
    assert prediction.error == "This file is not an image we can read."


def test_a_model_error_fails_at_once_without_showing_server_paths(queued, fake_predictor, caplog):
    fake_predictor.error = ModelError("FaceNet weights not found at /x.")

    prediction = run(queued)

    assert fake_predictor.calls == 1
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error == NOT_READY_REASON
    assert "/x" not in prediction.error
    assert "FaceNet weights not found at /x." in caplog.text


def test_without_an_active_model_it_fails_with_a_clear_reason(queued, fake_predictor):
    ModelVersion.objects.update(is_active=False)

    prediction = run(queued)

    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error == NOT_READY_REASON


def test_a_missing_row_is_ignored(db, fake_predictor):
    result = run_prediction.apply(args=["00000000-0000-0000-0000-000000000000"])

    assert result.successful()
    assert fake_predictor.calls == 0


@pytest.mark.db_engine  # an UPDATE of a deleted row
def test_a_row_deleted_while_it_runs_keeps_no_annotated_file(
    queued, fake_predictor, model_version, media_root
):
    """Staff may delete a running row in the admin: the worker's result then has nowhere to go."""
    prediction = Prediction.objects.claim(queued.pk, "task-1")
    Prediction.objects.filter(pk=prediction.pk).delete()

    inference.run(prediction)

    assert not list((media_root / "annotated").rglob("*.jpg"))


def test_it_is_acknowledged_late_and_given_back_when_its_worker_dies():
    from athletes_site.celery_app import app

    assert run_prediction.acks_late is True
    assert run_prediction.reject_on_worker_lost is True
    assert run_prediction.max_retries is None  # the row's attempts bound the retries
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
