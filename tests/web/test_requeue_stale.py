"""The sweep: rows whose task was lost (broker down, worker killed) are enqueued again."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from classifier.models import Prediction

LONG_AGO = timezone.now() - timedelta(hours=1)


@pytest.mark.db_engine  # times compared in the query
def test_it_enqueues_rows_that_never_reached_the_broker(make_prediction, sent_tasks):
    lost = make_prediction(status="queued", created_at=LONG_AGO, enqueued_at=None)
    fresh = make_prediction(status="queued", enqueued_at=None)

    call_command("requeue_stale")

    assert sent_tasks == [str(lost.pk)]
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.enqueued_at is not None
    assert fresh.enqueued_at is None


@pytest.mark.db_engine  # times compared in the query
def test_it_enqueues_rows_waiting_too_long_after_enqueueing(make_prediction, sent_tasks):
    waiting = make_prediction(status="queued", created_at=LONG_AGO, enqueued_at=LONG_AGO)
    recent = make_prediction(status="queued", created_at=LONG_AGO, enqueued_at=timezone.now())

    call_command("requeue_stale")

    assert sent_tasks == [str(waiting.pk)]
    recent.refresh_from_db()
    assert recent.status == Prediction.Status.QUEUED


@pytest.mark.db_engine  # a conditional UPDATE on times
def test_it_puts_back_rows_running_past_the_time_limit(make_prediction, sent_tasks):
    stuck = make_prediction(status="running", task_id="dead", started_at=LONG_AGO)
    busy = make_prediction(status="running", task_id="alive", started_at=timezone.now())

    call_command("requeue_stale")

    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert sent_tasks == [str(stuck.pk)]
    assert (stuck.status, stuck.task_id) == ("queued", "")
    assert busy.status == Prediction.Status.RUNNING


def test_it_leaves_finished_rows_alone(make_prediction, sent_tasks):
    make_prediction(status="done", created_at=LONG_AGO)
    make_prediction(status="failed", created_at=LONG_AGO)

    call_command("requeue_stale")

    assert sent_tasks == []
