"""Celery tasks: run one prediction; find and re-enqueue predictions whose task was lost; clear
expired sessions.

Only the worker imports this module: the web sends each task by its name
(``classifier.task_names``), so the recognizer stays out of the web process's imports.

Worker pool: prefork, ``--concurrency 1`` by default. The parent worker process imports only
Django, Celery and this module; each child loads the recognizer (LiteRT interpreters for
BlazeFace and FaceNet; TensorFlow only for the optional MTCNN detector) and the active model as
it starts, after the fork (``load_model_in_child``), and keeps them for its lifetime. Prefork
rather than ``solo`` or threads because the parent enforces the hard time limit by killing a
stuck child, and a child killed mid-task is detected (``reject_on_worker_lost``) so the task is
redelivered. Each child holds about 225 MB once the model is loaded (docs/benchmarks.md): raise
``--concurrency`` with memory to match, and never set ``--max-tasks-per-child``, which would
reload the model.

Reliability: the web enqueues after its transaction commits; a task claims its row with a
conditional UPDATE, so redeliveries and duplicates do no harm; failures are retried a bounded
number of times when trying again may help (``transient_reason``), and otherwise (a timeout, a
photo the recognizer cannot handle) stored as ``failed`` at once with a reason in plain words,
the exception going to the log for operators; and a periodic sweep (beat,
and once when a worker starts) re-enqueues rows whose task was lost, for example because the
broker was down when the photo was uploaded.
"""

import io
import logging
import os
import time
from dataclasses import replace

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import (
    heartbeat_sent,
    task_failure,
    worker_init,
    worker_process_init,
    worker_ready,
)
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection

from classifier import task_names
from classifier.desk import event_zip
from classifier.filters import PredictionFilter
from classifier.models import (
    EventExport,
    Example,
    ModelVersion,
    Prediction,
    RosterImport,
    WorkerHeartbeat,
)
from classifier.models.versions import Rerun
from classifier.worker import example_faces, inference, roster_import, training
from classifier.worker.rerun import rerun
from ml.errors import ImageRejected, ModelError
from ml.threads import threads_per_process

logger = logging.getLogger(__name__)


def out_of_time_reason(seconds: int) -> str:
    return f"Analysing this photo took longer than {seconds} s, so it was stopped."


def transient_reason(exc: Exception) -> str | None:
    """Why the attempt failed, in the uploader's words, when trying again may help: the database
    or the shared storage failing for a moment. None when the same photo would fail the same way
    again (a bug, or a photo the recognizer cannot handle), which is never retried."""
    if isinstance(exc, DatabaseError):
        return "the database did not answer"
    if isinstance(exc, MemoryError):
        return "the worker ran out of memory"
    if isinstance(exc, OSError) and exc.errno is not None:  # a system call, not a codec
        return "the stored photo could not be read or written"
    if isinstance(exc, BotoCoreError | ClientError):  # the bucket (AWS_STORAGE_BUCKET_NAME)
        return "the stored photo could not be read or written"
    return None


NOT_READY_REASON = (
    "The recognizer is not ready: an administrator must train or activate a model "
    "(the worker's log says what is missing)."
)


# Acknowledgement and time limits come from the CELERY_TASK_* settings. Retries are bounded by
# the row's ``attempts``, not by Celery's ``max_retries``: the row also counts the runs that a
# lost worker never finished and survives the sweep's fresh tasks, which restart Celery's count.
@shared_task(name=task_names.RUN_PREDICTION, bind=True, max_retries=None)
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
        # Its message is for operators: it may name files on the server.
        logger.error("Prediction %s: the recognizer is not ready: %s", prediction_id, exc)
        prediction.mark_failed(NOT_READY_REASON)
    except SoftTimeLimitExceeded:
        logger.warning("Prediction %s ran out of time; not retried.", prediction_id)
        prediction.mark_failed(out_of_time_reason(settings.CELERY_TASK_SOFT_TIME_LIMIT))
    except Exception as exc:
        logger.exception("Prediction %s failed (attempt %d)", prediction_id, prediction.attempts)
        reason = transient_reason(exc)
        if reason is None:
            prediction.mark_failed("The recognizer could not process this photo.")
        elif prediction.attempts >= limit:
            prediction.mark_failed(f"Failed after {limit} attempts: {reason}.")
        else:
            prediction.mark_queued(f"Attempt {prediction.attempts} failed: {reason}.")
            raise self.retry(exc=exc, countdown=2**prediction.attempts) from exc


@task_failure.connect
def fail_at_the_hard_time_limit(sender=None, task_id=None, exception=None, args=(), **kwargs):
    """A photo whose child was killed at the hard time limit fails at once: run again, it would
    take as long. Celery reports it here, in the worker's parent process; left running, the row
    would go back to the queue with the sweep."""
    if sender is None or sender.name != run_prediction.name:
        return
    if isinstance(exception, TimeLimitExceeded):
        logger.warning("Prediction %s reached the hard time limit; not retried.", args[0])
        prediction = Prediction.objects.filter(pk=args[0], task_id=task_id).first()
        if prediction is not None:
            prediction.mark_failed(out_of_time_reason(settings.CELERY_TASK_TIME_LIMIT))


# Training embeds every photo and cross-validates: minutes, not a photo's seconds.
@shared_task(
    name=task_names.TRAIN_MODEL_VERSION, ignore_result=True, soft_time_limit=1800, time_limit=1860
)
def train_model_version(version: str) -> None:
    """Train the version the web started; a failure is stored on its row, in plain words."""
    model_version = ModelVersion.objects.filter(
        version=version, status=ModelVersion.Status.TRAINING
    ).first()
    if model_version is None:
        logger.info("Model version %s is not waiting for training; nothing to do.", version)
        return
    try:
        training.train_version(model_version)
    except ModelError as exc:
        model_version.mark_failed(str(exc))
    except Exception:
        logger.exception("Training model version %s failed", version)
        model_version.mark_failed("Training failed; the worker's log says why.")


EXAMPLE_ATTEMPTS = 3


@shared_task(
    name=task_names.DETECT_EXAMPLE_FACES,
    bind=True,
    ignore_result=True,
    max_retries=EXAMPLE_ATTEMPTS - 1,
)
def detect_example_faces(self, example_id: int) -> None:
    """Find an enrolled example's faces and choose the athlete's; a failure is stored on the
    example in plain words, after a few tries when trying again may help."""
    example = Example.objects.select_related("athlete").filter(pk=example_id).first()
    if example is None or example.status != Example.Status.PENDING:
        logger.info("Example %s is not waiting for its faces; nothing to do.", example_id)
        return
    try:
        example_faces.detect(example)
    except ImageRejected as exc:
        example.mark_failed(str(exc))
    except ModelError as exc:
        logger.error("Example %s: the face finder is not ready: %s", example_id, exc)
        example.mark_failed("The worker cannot find faces yet; its log says what is missing.")
    except Exception as exc:
        logger.exception("Finding the faces of example %s failed", example_id)
        reason = transient_reason(exc)
        if reason is not None and self.request.retries < EXAMPLE_ATTEMPTS - 1:
            raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
        example.mark_failed(
            f"The faces could not be found: {reason or 'the worker could not read this photo'}."
        )


# A league's photos: minutes (docs/benchmarks.md, "Roster import"), not a photo's seconds.
@shared_task(
    name=task_names.IMPORT_ROSTER, ignore_result=True, soft_time_limit=3600, time_limit=3660
)
def import_roster(import_id: int) -> None:
    """Enrol a roster's people and photos; a redelivery after a lost worker starts the report
    again and adds only what the first run had not."""
    roster = RosterImport.objects.filter(pk=import_id).first()
    if roster is None or not roster.claim():
        logger.info("Roster import %s is not waiting; nothing to do.", import_id)
        return
    try:
        roster_import.run(roster)
    except SoftTimeLimitExceeded:
        roster.fail(
            "The import took longer than an hour and was stopped; import it again to go on."
        )
    except Exception:
        logger.exception("Roster import %s failed", import_id)
        roster.fail("The import failed; what was enrolled stays. The worker's log says why.")


@shared_task(
    name=task_names.BUILD_EVENT_EXPORT, ignore_result=True, soft_time_limit=1800, time_limit=1860
)
def build_event_export(export_id: str) -> None:
    """Tag an event's photos into a zip, kept for downloading; a redelivered export that is no
    longer queued is left alone."""
    export = EventExport.objects.filter(pk=export_id, status=EventExport.Status.QUEUED).first()
    if export is None:
        logger.info("Export %s is not waiting; nothing to do.", export_id)
        return
    try:
        event_zip.build(export)
    except Exception:
        logger.exception("Export %s failed", export_id)
        export.fail("The zip could not be made; the worker's log says why. Try again.")


@shared_task(
    name=task_names.RERUN_HISTORY, ignore_result=True, soft_time_limit=3600, time_limit=3660
)
def rerun_history(version: str, filters: dict[str, str]) -> None:
    """Name the faces of the history's finished photos again with a ready version."""
    model_version = ModelVersion.objects.get(version=version, status=ModelVersion.Status.READY)
    predictions = PredictionFilter(data=filters, queryset=Prediction.objects.all()).qs
    try:
        rerun(predictions, model_version)
    except Exception:
        logger.exception("Re-running history with %s failed", version)
        model_version.record_rerun(
            replace(model_version.last_rerun or Rerun("failed"), status="failed")
        )


@shared_task(name=task_names.REQUEUE_STALE, ignore_result=True)
def requeue_stale() -> int:
    return Prediction.objects.requeue_stale() + Example.objects.requeue_stale()


def run_command(name: str) -> None:
    """A management command run by beat, its summary logged at INFO: Celery logs whatever a
    task prints as a WARNING, so every ten minutes "Indexed 9 faces in 0.0 s." read as one."""
    out = io.StringIO()
    call_command(name, stdout=out)
    for line in out.getvalue().splitlines():
        logger.info("%s: %s", name, line)


@shared_task(name=task_names.GROUP_PEOPLE, ignore_result=True)
def group_people() -> None:
    """Group the unknown faces left waiting and save the face index for processes to start
    from (beat, every few minutes; ``manage.py group_people`` does the same)."""
    run_command("group_people")


@shared_task(name=task_names.FORGET_BYSTANDERS, ignore_result=True)
def forget_bystanders() -> None:
    """Clear the embeddings of faces nobody named once they are older than
    ``ATHLETES_BYSTANDER_RETENTION_DAYS`` (beat, daily; ``manage.py forget_bystanders``)."""
    run_command("forget_bystanders")


@shared_task(name=task_names.REFRESH_STATISTICS, ignore_result=True)
def refresh_statistics() -> None:
    """Keep SQLite's query planner informed as the history grows (beat, every ten minutes, on
    SQLite only; ``manage.py refresh_statistics``)."""
    run_command("refresh_statistics")


@shared_task(name=task_names.CLEAR_EXPIRED_SESSIONS, ignore_result=True)
def clear_expired_sessions() -> None:
    """Delete expired browser sessions, which Django never deletes by itself (beat, daily)."""
    call_command("clearsessions")


def names_photos(app) -> bool:
    """This worker consumes the photos' queue (the default one): the trainer's does not."""
    return settings.CELERY_TASK_DEFAULT_QUEUE in app.amqp.queues.consume_from


@worker_ready.connect
def requeue_stale_on_start(sender, **kwargs) -> None:
    """A worker that starts says it is alive and picks up what was uploaded while no worker or
    broker was there."""
    if names_photos(sender.app):
        record_heartbeat(sender.hostname)
    Prediction.objects.requeue_stale()
    Example.objects.requeue_stale()


_last_heartbeat = 0.0


@heartbeat_sent.connect
def on_heartbeat(sender, **kwargs) -> None:
    """Celery's worker heartbeat (every 2 s, in the worker's main process, busy or not), written
    to the database every quarter of ATHLETES_WORKER_SILENT_AFTER_SECONDS by workers that name
    photos: the banner says whether photos will be named, so a trainer alone does not count."""
    if not names_photos(sender.eventer.app):
        return
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


@worker_init.connect
def share_cores_among_children(sender, **kwargs) -> None:
    """Unless TF_NUM_INTRAOP_THREADS says otherwise, each pool child runs the recognizer on its
    share of the cores (two children on two cores: one thread each), not on every core. Set
    in the worker's main process, before it forks the children, which inherit it."""
    children = sender.concurrency if isinstance(sender.concurrency, int) else 1
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(threads_per_process(children)))


@worker_process_init.connect
def load_model_in_child(**kwargs) -> None:
    """Each child loads the active model as it starts, so the first photo is not the slow one.

    This runs after the fork, in the child: the parent never imports TensorFlow.
    """
    try:
        inference.preload()
    except ModelError as exc:
        logger.warning("No model preloaded: %s", exc)
