"""Celery tasks: run one prediction; find and re-enqueue predictions whose task was lost; clear
expired sessions.

Only the worker imports this module: the web sends ``run_prediction`` by its name
(``Prediction.enqueue``), so the recognizer stays out of the web process's imports.

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

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_ready
from django.conf import settings
from django.core.management import call_command

from classifier import inference
from classifier.models import Prediction
from ml.errors import ImageRejected, ModelError

logger = logging.getLogger(__name__)


def describe(exc: BaseException) -> str:
    """The reason shown to whoever uploaded the photo: never a path on the server."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return f"it took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return f"{type(exc).__name__}: {exc}"


# Acknowledgement and time limits come from the CELERY_TASK_* settings. Retries are bounded by
# the row's ``attempts``, not by Celery's ``max_retries``: the row also counts the runs that a
# lost worker never finished and survives the sweep's fresh tasks, which restart Celery's count.
@shared_task(bind=True, max_retries=None)
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
    except ImageRejected as exc:
        prediction.mark_refused(str(exc))
    except ModelError as exc:
        prediction.mark_failed(str(exc))
    except Exception as exc:
        logger.exception("Prediction %s failed (attempt %d)", prediction_id, prediction.attempts)
        if prediction.attempts >= limit:
            prediction.mark_failed(f"Failed after {limit} attempts: {describe(exc)}.")
            return
        prediction.mark_queued(f"Attempt {prediction.attempts} failed: {describe(exc)}.")
        raise self.retry(exc=exc, countdown=2**prediction.attempts) from exc


@shared_task(ignore_result=True)
def requeue_stale() -> int:
    return Prediction.objects.requeue_stale()


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Delete expired browser sessions, which Django never deletes by itself (beat, daily)."""
    call_command("clearsessions")


@worker_ready.connect
def requeue_stale_on_start(**kwargs) -> None:
    """A worker that starts picks up what was uploaded while no worker or broker was there."""
    Prediction.objects.requeue_stale()


@worker_process_init.connect
def load_model_in_child(**kwargs) -> None:
    """Each child loads the active model as it starts, so the first photo is not the slow one.

    This runs after the fork, in the child: the parent never imports TensorFlow.
    """
    try:
        inference.preload()
    except ModelError as exc:
        logger.warning("No model preloaded: %s", exc)
