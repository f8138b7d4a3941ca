"""Celery tasks: run one prediction; find and re-enqueue predictions whose task was lost.

Worker pool: prefork, ``--concurrency 1`` by default. TensorFlow must never be initialised in a
process that is then forked, so the parent worker process imports only Django, Celery and this
module (which imports no TensorFlow); each child imports TensorFlow and loads the active model
as it starts, after the fork (``load_model_in_child``), and keeps it for its lifetime. Prefork
rather than ``solo`` or threads because the parent enforces the hard time limit by killing a
stuck child, and a child killed mid-task is detected (``reject_on_worker_lost``) so the task is
redelivered. Each child holds about 1 GB once the model is loaded: raise ``--concurrency`` only
with memory to match, and never set ``--max-tasks-per-child``, which would reload the model.

Reliability: the web enqueues after its transaction commits; a task claims its row with a
conditional UPDATE, so redeliveries and duplicates do no harm; failures are retried a bounded
number of times and then stored as ``failed`` with a readable reason; and a periodic sweep (beat,
and once when a worker starts) re-enqueues rows whose task was lost, for example because the
broker was down when the photo was uploaded.
"""

import logging
import time
import uuid

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import heartbeat_sent, worker_process_init, worker_ready
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from classifier import inference
from classifier.models import Prediction, WorkerHeartbeat
from ml.errors import ImageRejected, ModelError

logger = logging.getLogger(__name__)


def enqueue(prediction_id: uuid.UUID | str) -> bool:
    """Send the prediction to the workers; if the broker is down, leave it queued for the sweep."""
    try:
        run_prediction.apply_async(args=[str(prediction_id)])
    except OperationalError as exc:
        logger.warning("Broker unavailable, prediction %s stays queued: %s", prediction_id, exc)
        Prediction.objects.filter(pk=prediction_id).update(enqueued_at=None)
        return False
    return True


def enqueue_on_commit(prediction_id: uuid.UUID | str) -> None:
    """Enqueue once the upload is committed; an error then is logged, never shown to the user,
    whose photo is already safely stored (the sweep enqueues it later)."""
    transaction.on_commit(lambda: enqueue(prediction_id), robust=True)


def describe(exc: BaseException) -> str:
    """The reason shown to whoever uploaded the photo: never a path on the server."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return f"it took longer than {settings.ATHLETES_TASK_SOFT_TIME_LIMIT} s"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return f"{type(exc).__name__}: {exc}"


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.ATHLETES_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.ATHLETES_TASK_TIME_LIMIT,
    max_retries=settings.ATHLETES_MAX_ATTEMPTS,
)
def run_prediction(self, prediction_id: str) -> None:
    prediction = Prediction.objects.claim(prediction_id, self.request.id)
    if prediction is None:
        logger.info("Prediction %s is not waiting for this task; nothing to do.", prediction_id)
        return
    limit = settings.ATHLETES_MAX_ATTEMPTS
    if prediction.attempts > limit:
        prediction.mark_failed(
            f"Gave up after {limit} attempts: the worker stopped while processing this photo."
        )
        return
    try:
        inference.run(prediction)
    except (ImageRejected, ModelError) as exc:
        prediction.mark_failed(str(exc))
    except Exception as exc:
        logger.exception("Prediction %s failed (attempt %d)", prediction_id, prediction.attempts)
        if prediction.attempts >= limit:
            prediction.mark_failed(f"Failed after {limit} attempts: {describe(exc)}.")
            return
        prediction.mark_queued(f"Attempt {prediction.attempts} failed: {describe(exc)}.")
        raise self.retry(exc=exc, countdown=2**prediction.attempts) from exc


def requeue_stale_predictions() -> int:
    """Enqueue again every prediction whose task seems lost; return how many."""
    stale = list(Prediction.objects.stale().values_list("pk", flat=True))
    Prediction.objects.filter(pk__in=stale, status=Prediction.Status.RUNNING).update(
        status=Prediction.Status.QUEUED, task_id=""
    )
    Prediction.objects.filter(pk__in=stale).update(enqueued_at=timezone.now())
    for pk in stale:
        enqueue(pk)
    if stale:
        logger.info("Re-enqueued %d stale predictions.", len(stale))
    return len(stale)


@shared_task(ignore_result=True)
def requeue_stale() -> int:
    return requeue_stale_predictions()


@worker_ready.connect
def requeue_stale_on_start(sender, **kwargs) -> None:
    """A worker that starts says it is alive and picks up what was uploaded while no worker or
    broker was there."""
    record_heartbeat(sender.hostname)
    requeue_stale_predictions()


_last_heartbeat = 0.0


@heartbeat_sent.connect
def on_heartbeat(sender, **kwargs) -> None:
    """Celery's worker heartbeat (every 2 s, in the worker's main process, busy or not), written
    to the database every quarter of ATHLETES_WORKER_SILENT_AFTER_SECONDS."""
    if time.monotonic() - _last_heartbeat >= settings.ATHLETES_WORKER_SILENT_AFTER_SECONDS / 4:
        record_heartbeat(sender.eventer.hostname)


def record_heartbeat(hostname: str) -> None:
    """Tell the web this worker is alive; a database that is away costs a beat, nothing more."""
    global _last_heartbeat
    try:
        WorkerHeartbeat.objects.beat(hostname)
    except DatabaseError as exc:
        logger.warning("Could not record the worker's heartbeat: %s", exc)
        connection.close()  # connect afresh at the next beat
        return
    _last_heartbeat = time.monotonic()


@worker_process_init.connect
def load_model_in_child(**kwargs) -> None:
    """Each child loads the active model as it starts, so the first photo is not the slow one.

    This runs after the fork, in the child: the parent never imports TensorFlow.
    """
    try:
        inference.preload()
    except ModelError as exc:
        logger.warning("No model preloaded: %s", exc)
