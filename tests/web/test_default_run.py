"""The default run, as scripts/run starts it with no settings: the file broker, and the worker
and beat under supervisord (scripts/supervisord.conf), with gunicorn in front.

The worker's main process is killed with its pool children (SIGKILL to its process group, as
an out-of-memory kill or a crash would end it): supervisord must start it again and every photo
queued at the time must finish; while no worker runs, the banner must say so. Messages that
cannot be read must be set aside without stopping the worker. A training goes to a worker of
its own, so a photo never waits behind it. Photos are uploaded over HTTP and
the rows read from the database the processes share.
"""

import itertools
import json
import os
import shutil
import signal
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.db.models import F

from classifier.models import ModelVersion, Prediction
from classifier.web.api_tokens import issue as issue_token
from tests.web.conftest import app_environment
from tests.web.processes import Supervisor, WebServer, is_alive, wait_for

pytestmark = pytest.mark.integration

SILENT_AFTER = 5  # seconds without a heartbeat before the banner says no worker answers
TIME_LIMIT = 20  # the sweep gives a photo running on a dead worker back after this plus 30 s
REQUEUE_AFTER = 10  # and a queued one that waited this long (a lost message) sent again
RESULT_SECONDS = 120
BANNER = "No worker has answered for"
ATHLETES = ("lebron_james", "rafael_nadal")


@pytest.fixture(scope="module")
def default_run(django_db_setup, django_db_blocker, tmp_path_factory, facenet_weights):
    folder = tmp_path_factory.mktemp("default-run")
    env = {
        **app_environment(django_db_blocker, folder / "media", facenet_weights, ""),
        "DJANGO_SETTINGS_MODULE": "athletes_site.settings.local",
        "DEBUG": "0",
        "CELERY_BROKER_URL": f"filesystem://{folder / 'broker'}",
        "ATHLETES_MODELS_DIR": str(folder / "models"),
        "ATHLETES_WORKER_SILENT_AFTER_SECONDS": str(SILENT_AFTER),
        "ATHLETES_TASK_SOFT_TIME_LIMIT": str(TIME_LIMIT - 5),
        "ATHLETES_TASK_TIME_LIMIT": str(TIME_LIMIT),
        "ATHLETES_REQUEUE_EVERY_SECONDS": "1",
        "ATHLETES_REQUEUE_AFTER_SECONDS": str(REQUEUE_AFTER),
    }
    web, supervisor = WebServer(folder, env), Supervisor(folder, env)
    try:
        web.start()
        supervisor.start()
        yield folder, web, supervisor
    finally:
        supervisor.stop()
        web.discard()


@pytest.fixture
def run(default_run, transactional_db, settings, trained_model_dir, tmp_path):
    """The running processes, with the session's model active under a new version name, which
    makes the worker load it again on its next photo (a few seconds: time to kill it)."""
    folder, web, supervisor = default_run
    settings.MEDIA_ROOT = folder / "media"
    version = f"run-{uuid.uuid4().hex[:8]}"
    copy = shutil.copytree(trained_model_dir, tmp_path / version)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "version": version}))
    ModelVersion.objects.register(copy).activate()
    return folder, web, supervisor


def photos(sample_data: Path, count: int) -> list[tuple[Path, str]]:
    """``count`` different sample photos and their athletes, taken in turn from each athlete."""
    by_athlete = [sorted((sample_data / label).glob("*.jpg")) for label in ATHLETES]
    chosen = [paths[n // 2] for n, paths in zip(range(count), itertools.cycle(by_athlete))]
    return [(path, path.parent.name) for path in chosen]


def upload(web: WebServer, photo: Path) -> Prediction:
    response = requests.post(
        f"{web.url}/api/predictions/",
        files={"image": (photo.name, photo.read_bytes(), "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return Prediction.objects.get(pk=response.json()["id"])


def home_page(web: WebServer) -> str:
    response = requests.get(f"{web.url}/", timeout=10)
    assert response.status_code == 200
    return response.text


def finished(predictions: list[Prediction], logs: Path) -> list[Prediction]:
    def all_finished() -> bool:
        for prediction in predictions:
            prediction.refresh_from_db()
        return not any(prediction.is_pending for prediction in predictions)

    wait_for(
        all_finished,
        RESULT_SECONDS,
        lambda: f"{[p.status for p in predictions]}\n{logs.read_text()}",
    )
    return predictions


def test_supervisord_keeps_its_lines_to_its_own_log(default_run):
    """scripts/run's output carries supervisord's, which said CRIT twice on every start."""
    folder, _, supervisor = default_run

    output = supervisor.log.read_text()

    assert "CRIT" not in output and "spawned" not in output, output
    assert "spawned: 'worker'" in (folder / "supervisord.log").read_text()


def test_unreadable_message_files_are_set_aside_and_the_worker_keeps_going(run, sample_data):
    folder, web, supervisor = run
    worker = supervisor.worker_pid()
    queue = folder / "broker" / "queue"
    (queue / "00000000000000000001_empty.celery.msg").write_bytes(b"")
    (queue / "00000000000000000002_garbage.celery.msg").write_bytes(b"\x00{not json")

    [(photo, _)] = photos(sample_data, 1)
    [prediction] = finished([upload(web, photo)], supervisor.worker_log)

    assert prediction.status == "done", prediction.error
    assert sorted(os.listdir(folder / "broker" / "dead-letter")) == [
        "00000000000000000001_empty.celery.msg",
        "00000000000000000002_garbage.celery.msg",
    ]
    assert supervisor.worker_pid() == worker, "the worker was restarted"
    log = supervisor.worker_log.read_text()
    assert log.count("Set aside a message that cannot be read") == 2
    assert "Unrecoverable error" not in log


def test_a_killed_worker_shows_the_banner_is_started_again_and_every_queued_photo_finishes(
    run, sample_data
):
    folder, web, supervisor = run
    # Past its first 10 s, when supervisord counts a start as good: what follows is a restart.
    wait_for(lambda: "RUNNING" in supervisor.ctl("status", "worker"), 30, supervisor.logs)
    wait_for(lambda: "queue-banner" not in home_page(web), 30, lambda: home_page(web))
    # The worker is held while the photos arrive, so that they all wait in the queue and
    # several still wait when it dies, however fast it takes them.
    worker = supervisor.worker_pid()
    os.killpg(worker, signal.SIGSTOP)
    try:
        predictions = [upload(web, photo) for photo, _ in photos(sample_data, 8)]
    finally:
        os.killpg(worker, signal.SIGCONT)
    wait_for(
        lambda: Prediction.objects.filter(status=Prediction.Status.RUNNING).exists(),
        60,
        lambda: supervisor.worker_log.read_text(),
    )
    waiting = Prediction.objects.filter(status=Prediction.Status.QUEUED).count()
    # supervisord starts a new worker within seconds, too soon for any banner: hold it back
    # until the banner has been seen.
    os.kill(supervisor.pid, signal.SIGSTOP)
    try:
        os.killpg(worker, signal.SIGKILL)
        wait_for(lambda: BANNER in home_page(web), 60, lambda: home_page(web))
    finally:
        os.kill(supervisor.pid, signal.SIGCONT)

    wait_for(lambda: supervisor.worker_pid() not in (0, worker), 60, lambda: "not restarted")
    assert not is_alive(worker)
    # The sweep gives the photo that was in the dead worker's hands back once it has run for the
    # time limit plus 30 s (Prediction.objects.stale; test_requeue_stale.py): its start is moved
    # back that far, rather than waited for.
    Prediction.objects.filter(pk__in=[p.pk for p in predictions], status="running").update(
        started_at=F("started_at") - timedelta(seconds=TIME_LIMIT + 30)
    )
    finished(predictions, supervisor.worker_log)
    assert waiting >= 4, "the worker was killed too late to leave photos queued"
    # What the queue owes each photo is a result; whether it names the athlete is the model's
    # business (tests/ml).
    assert [p.status for p in predictions] == ["done"] * len(predictions), [
        p.error for p in predictions
    ]
    assert all(p.label for p in predictions)
    # Only the photo in the worker's hands when it died (if it had not just finished) ran twice.
    attempts = sorted(p.attempts for p in predictions)
    assert attempts[:-1] == [1] * (len(predictions) - 1) and attempts[-1] in (1, 2), attempts
    wait_for(lambda: "queue-banner" not in home_page(web), 30, lambda: home_page(web))


def test_a_photo_never_waits_behind_a_training(run, sample_data, django_user_model):
    folder, web, supervisor = run
    wait_for(lambda: "RUNNING" in supervisor.ctl("status", "trainer"), 30, supervisor.logs)
    staff = django_user_model.objects.create_user("trainer", is_staff=True, is_superuser=True)
    api = requests.Session()
    api.headers["Authorization"] = f"Token {issue_token(staff)}"
    # The trainer is held, so the training stays queued ahead of the photo: a worker that took
    # both queues would train first.
    trainer = supervisor.worker_pid("trainer")
    os.killpg(trainer, signal.SIGSTOP)
    try:
        response = api.post(f"{web.url}/api/models/", timeout=30)
        assert response.status_code == 202, response.text
        version = ModelVersion.objects.get(version=response.json()["version"])
        ((photo, _),) = photos(sample_data, 1)
        (prediction,) = finished([upload(web, photo)], supervisor.worker_log)
        assert prediction.status == "done", prediction.error
        version.refresh_from_db()
        assert version.status == "training"
    finally:
        os.killpg(trainer, signal.SIGCONT)

    wait_for(
        lambda: ModelVersion.objects.get(pk=version.pk).status != "training",
        600,
        lambda: (folder / "trainer.log").read_text(),
    )
    version.refresh_from_db()
    assert (version.status, version.error, version.started_by) == ("ready", "", staff)
