"""Every page warns when no worker is alive or photos wait too long, and a queued photo says how
long it has waited; all read from the database (heartbeats and queued rows)."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from celery import current_app
from django.db import OperationalError
from django.utils import timezone

from classifier import tasks
from classifier.models import Prediction, WorkerHeartbeat
from classifier.tasks import on_heartbeat, record_heartbeat

NO_WORKER = "No worker is running."
SLOW = "The queue is slow"


@pytest.fixture
def live_worker(db):
    WorkerHeartbeat.objects.create(hostname="celery@here", seen_at=timezone.now())


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_it_warns_on_every_page_when_no_worker_was_ever_seen(client, make_prediction):
    prediction = make_prediction()

    for url in ("/", "/predictions/", f"/predictions/{prediction.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert NO_WORKER in response.content.decode(), url


def test_it_shows_no_warning_while_a_worker_is_alive_and_the_queue_moves(
    client, live_worker, make_prediction
):
    make_prediction(status=Prediction.Status.QUEUED, created_at=ago(seconds=10))

    response = client.get("/")

    assert response.status_code == 200
    assert "queue-banner" not in response.content.decode()


def test_it_says_how_long_ago_a_silent_worker_answered(client, settings, db):
    settings.ATHLETES_WORKER_SILENT_AFTER_SECONDS = 60
    WorkerHeartbeat.objects.create(hostname="celery@here", seen_at=ago(minutes=5, seconds=3))

    response = client.get("/")

    assert response.status_code == 200
    assert "No worker has answered for 5\xa0minutes." in response.content.decode()


def test_it_warns_when_the_oldest_queued_photo_has_waited_too_long(
    client, settings, live_worker, make_prediction
):
    settings.ATHLETES_QUEUE_SLOW_AFTER_SECONDS = 120
    make_prediction(status=Prediction.Status.QUEUED, created_at=ago(minutes=3, seconds=5))
    make_prediction(status=Prediction.Status.QUEUED, created_at=ago(seconds=30))
    make_prediction(status=Prediction.Status.DONE, created_at=ago(hours=2))

    response = client.get("/predictions/")

    assert response.status_code == 200
    assert "the oldest photo has waited 3\xa0minutes." in response.content.decode()


def test_a_photo_running_or_done_does_not_count_as_waiting(
    client, settings, live_worker, make_prediction
):
    settings.ATHLETES_QUEUE_SLOW_AFTER_SECONDS = 120
    make_prediction(status=Prediction.Status.RUNNING, created_at=ago(minutes=3))
    make_prediction(status=Prediction.Status.DONE, created_at=ago(hours=2))

    response = client.get("/")

    assert response.status_code == 200
    assert "queue-banner" not in response.content.decode()


def test_each_queued_card_and_page_says_how_long_it_has_waited(
    staff_client, live_worker, make_prediction
):
    queued = make_prediction(status=Prediction.Status.QUEUED, created_at=ago(seconds=42))
    make_prediction(status=Prediction.Status.DONE, created_at=ago(minutes=1))

    history = staff_client.get("/predictions/").content.decode()
    detail = staff_client.get(f"/predictions/{queued.pk}/").content.decode()

    assert history.count("waiting for 4") == 1  # 42 s, or 43 if the clock ticked
    assert "waiting for 4" in detail


def test_recording_a_heartbeat_keeps_one_row_per_worker_with_the_latest_time(db):
    record_heartbeat("celery@one")
    first = WorkerHeartbeat.objects.get(hostname="celery@one").seen_at
    record_heartbeat("celery@one")
    record_heartbeat("celery@two")

    assert WorkerHeartbeat.objects.count() == 2
    assert WorkerHeartbeat.objects.get(hostname="celery@one").seen_at >= first
    assert WorkerHeartbeat.objects.last_seen() >= first


def test_a_heartbeat_forgets_workers_silent_for_a_week(db):
    WorkerHeartbeat.objects.create(hostname="celery@last-month", seen_at=ago(days=30))
    WorkerHeartbeat.objects.create(hostname="celery@yesterday", seen_at=ago(days=1))

    record_heartbeat("celery@today")

    assert set(WorkerHeartbeat.objects.values_list("hostname", flat=True)) == {
        "celery@yesterday",
        "celery@today",
    }


def test_celerys_heartbeat_is_written_at_most_every_quarter_of_the_silent_time(
    db, settings, monkeypatch
):
    settings.ATHLETES_WORKER_SILENT_AFTER_SECONDS = 60
    monkeypatch.setattr(tasks, "_last_heartbeat", 0.0)
    heart = SimpleNamespace(eventer=SimpleNamespace(hostname="celery@here", app=current_app))

    on_heartbeat(heart)
    first = WorkerHeartbeat.objects.get(hostname="celery@here").seen_at
    on_heartbeat(heart)  # Celery's next beat, 2 s later: too soon to write again
    assert WorkerHeartbeat.objects.get(hostname="celery@here").seen_at == first

    monkeypatch.setattr(tasks, "_last_heartbeat", time.monotonic() - 15)
    on_heartbeat(heart)
    assert WorkerHeartbeat.objects.get(hostname="celery@here").seen_at > first


def test_a_worker_that_names_no_photos_writes_no_heartbeat(db, settings, monkeypatch):
    """The trainer (``--queues training``) alone must not hide that no worker names photos."""
    monkeypatch.setattr(tasks, "_last_heartbeat", 0.0)
    queues = SimpleNamespace(consume_from={settings.ATHLETES_TRAINING_QUEUE: None})
    trainer = SimpleNamespace(amqp=SimpleNamespace(queues=queues))

    on_heartbeat(SimpleNamespace(eventer=SimpleNamespace(hostname="trainer@here", app=trainer)))

    assert not WorkerHeartbeat.objects.exists()


def test_a_database_that_is_away_costs_a_heartbeat_not_the_worker(db, monkeypatch, caplog):
    def fail(hostname):
        raise OperationalError("the database is away")

    monkeypatch.setattr(WorkerHeartbeat.objects, "beat", fail)
    monkeypatch.setattr(tasks, "_last_heartbeat", 0.0)

    record_heartbeat("celery@here")  # does not raise

    assert tasks._last_heartbeat == 0.0  # so the next beat tries again
    assert "Could not record the worker's heartbeat: the database is away" in caplog.text
