"""Web and workers as separate machines: gunicorn and two Celery workers that share nothing but
PostgreSQL, Redis and an S3 bucket (SeaweedFS), each with its own empty MEDIA_ROOT, model folder
and model cache.

Fifty different photos are uploaded over HTTP: every one must finish exactly once (one attempt,
one task that succeeded, in one worker's log), both workers must take part, and every file must
be in the bucket. Then one worker trains a new version (the other stopped) and goes away with its
disk; on the machines left, the web compares the new version with the active one on the reviewed
faces and activates it, the other worker re-runs the history with it and names a new photo, and
a deletion takes the photo's files out of the bucket. No process writes a file to its own disk
but the trainer's new version and the model versions each fetched from the bucket into its cache.
"""

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import connection

from classifier.models import ModelVersion, Prediction
from classifier.web.api_tokens import issue as issue_token
from tests.web.conftest import app_environment, bucket_keys, s3_environment
from tests.web.processes import RedisServer, WebServer, WorkerProcess, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.db_engine]

PHOTOS = 50
RESULT_SECONDS = 180
TRAINING_SECONDS = 600
SUCCEEDED = r"Task classifier\.tasks\.{task}\[([0-9a-f-]+)\] succeeded"


@dataclass
class Machine:
    """One machine's process and the folders that are its own disk."""

    process: WebServer | WorkerProcess
    folder: Path

    @property
    def media_root(self) -> Path:
        return self.folder / "media"

    @property
    def models_dir(self) -> Path:
        return self.folder / "models"

    @property
    def model_cache(self) -> Path:
        return self.folder / "model-cache"

    def files(self) -> list[Path]:
        return [path for path in self.media_root.rglob("*") if path.is_file()]

    def cached_versions(self) -> list[str]:
        """The versions in its model cache (a folder each: ``<version>-<archive sha256>``)."""
        if not self.model_cache.exists():
            return []
        return sorted(path.name.rsplit("-", 1)[0] for path in self.model_cache.iterdir())

    def lose_disk(self) -> None:
        """The machine's files are gone (its logs, the test's record, are kept)."""
        for folder in (self.media_root, self.models_dir, self.model_cache):
            shutil.rmtree(folder, ignore_errors=True)

    def ran(self, task: str) -> list[str]:
        """The ids of the ``task`` runs that succeeded in this worker, every start's log."""
        pattern = re.compile(SUCCEEDED.format(task=task))
        return pattern.findall(self.process.logs())


def logged(machines: list[Machine], task: str, ids: list[str]) -> list[list[str]]:
    """Each machine's runs of ``task``, once every one of ``ids`` is in a log: a worker logs
    a task's success after the task has saved its photo as done, so a test that saw the photo
    done may read the log a moment before that line."""
    wait_for(
        lambda: set(ids) <= {pk for m in machines for pk in m.ran(task)},
        30,
        lambda: f"not every {task} run was logged: {ids}",
    )
    return [m.ran(task) for m in machines]


@pytest.fixture
def machines(transactional_db, django_db_blocker, tmp_path, facenet_weights, s3_server, bucket):
    if connection.vendor != "postgresql":
        pytest.skip("machines share a database server only on PostgreSQL (scripts/test runs it)")
    redis = RedisServer(tmp_path)  # the broker the machines share, and nothing else does
    started: list[Machine] = []
    try:
        redis.start()
        for name, kind in [
            ("web", WebServer),
            ("worker-1", WorkerProcess),
            ("worker-2", WorkerProcess),
        ]:
            folder = tmp_path / name
            folder.mkdir()
            env = {
                **app_environment(django_db_blocker, folder / "media", facenet_weights, redis.url),
                **s3_environment(s3_server, bucket),
                "ATHLETES_MODEL_CACHE": str(folder / "model-cache"),
                "ATHLETES_MODELS_DIR": str(folder / "models"),
            }
            started.append(Machine(kind(folder, env), folder))
        for machine in started:
            machine.process.start()
        yield started
    finally:
        for machine in started:
            machine.process.discard()
        redis.discard()


@pytest.fixture
def staff_api(django_user_model) -> requests.Session:
    """An API client with a staff member's token (a superuser: every permission)."""
    staff = django_user_model.objects.create_user("desk", is_staff=True, is_superuser=True)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {issue_token(staff)}"
    return session


def upload_all(web: WebServer, photos: list[Path]) -> list[str]:
    ids = []
    for photo in photos:
        response = requests.post(
            f"{web.url}/api/predictions/",
            files={"image": (photo.name, photo.read_bytes(), "image/jpeg")},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    return ids


def wait_for_all(ids: list[str], logs: Callable[[], str]) -> list[Prediction]:
    def all_finished() -> bool:
        return not Prediction.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists()

    wait_for(all_finished, RESULT_SECONDS, lambda: f"Not all finished.\n{logs()}")
    return list(Prediction.objects.filter(pk__in=ids))


def poll_version(api: requests.Session, web: WebServer, version: str, done, logs) -> dict:
    """The version as the API gives it, once ``done(body)`` holds."""
    deadline = time.monotonic() + TRAINING_SECONDS
    while True:
        body = api.get(f"{web.url}/api/models/{version}/", timeout=30).json()
        if done(body):
            return body
        if time.monotonic() > deadline:
            pytest.fail(f"Version {version}: {body}\n{logs()}")
        time.sleep(0.5)


def test_upload_training_rerun_comparison_and_deletion_across_machines(
    machines, staff_api, trained_model_dir, sample_data, s3_server, bucket, media_root
):
    web, first, second = machines
    logs = lambda: "\n".join(m.process.logs() for m in machines)  # noqa: E731
    active = ModelVersion.objects.register(trained_model_dir)  # its archive goes to the bucket
    active.activate()

    # Fifty photos, each finished exactly once, by both workers, with every file in the bucket.
    photos = sorted(sample_data.glob("*/*.jpg"))[:PHOTOS]
    assert len(photos) == PHOTOS
    ids = upload_all(web.process, photos)
    predictions = wait_for_all(ids, logs)
    assert len(predictions) == PHOTOS
    assert {(p.status, p.attempts, p.error) for p in predictions} == {("done", 1, "")}
    ran = logged([first, second], "run_prediction", [p.task_id for p in predictions])
    assert all(ran), f"a worker ran no photo: {[len(tasks) for tasks in ran]}"
    assert sorted(ran[0] + ran[1]) == sorted(p.task_id for p in predictions)
    stored = {name for p in predictions for name in p.file_names}
    assert len(stored) == 3 * PHOTOS
    assert stored <= set(bucket_keys(s3_server, bucket))

    # Staff confirm five faces on the web: what the comparison will count.
    reviewed = [face for p in predictions for face in p.faces.all()][:5]
    for face in reviewed:
        url = f"{web.process.url}/api/faces/{face.pk}/review/"
        response = staff_api.post(url, data={"verdict": "confirm"}, timeout=30)
        assert response.status_code == 200, response.text

    # The first worker trains a new version, alone: the second is stopped meanwhile.
    second.process.stop()
    response = staff_api.post(f"{web.process.url}/api/models/", timeout=30)
    assert response.status_code == 202, response.text
    version = response.json()["version"]
    trained = poll_version(
        staff_api, web.process, version, lambda b: b["status"] != "training", logs
    )
    assert trained["status"] == "ready", (trained["error"], logs()[-3000:])
    wait_for(lambda: len(first.ran("train_model_version")) == 1, 30, logs)
    assert [path.name for path in first.models_dir.iterdir()] == [version]
    # The trainer goes away with its disk; the second worker comes back.
    first.process.stop()
    first.lose_disk()
    second.process.start()

    # The web compares the new version with the active one, reading both from the bucket.
    response = staff_api.get(f"{web.process.url}/api/models/{version}/comparison/", timeout=60)
    assert response.status_code == 200, response.text
    assert (response.json()["against"], response.json()["faces"]) == (active.version, 5)

    # The second worker re-runs the history with it.
    response = staff_api.post(f"{web.process.url}/api/models/{version}/rerun/", timeout=30)
    assert response.status_code == 202, response.text
    rerun = poll_version(
        staff_api, web.process, version, lambda b: b["rerun"].get("status") == "finished", logs
    )["rerun"]
    assert rerun.pop("started_at")  # when it was started, which makes the next one wait
    assert rerun == {
        "status": "finished", "total": PHOTOS, "done": PHOTOS, "skipped": 0, "filters": {}
    }  # fmt: skip
    wait_for(lambda: len(second.ran("rerun_history")) == 1, 30, logs)
    assert Prediction.objects.filter(model_version__version=version).count() == PHOTOS

    # Activated on the web, it names a new photo on the second worker.
    response = staff_api.post(f"{web.process.url}/api/models/{version}/activate/", timeout=30)
    assert response.status_code == 200, response.text
    (new,) = wait_for_all(upload_all(web.process, [sorted(sample_data.glob("*/*.jpg"))[-1]]), logs)
    assert (new.status, new.attempts, new.model_version.version) == ("done", 1, version)
    assert new.task_id in logged([second], "run_prediction", [new.task_id])[0]

    # A deletion on the web takes the photo's files out of the bucket.
    gone = Prediction.objects.get(pk=predictions[0].pk)  # its drawing was redone by the re-run
    response = staff_api.delete(f"{web.process.url}/api/predictions/{gone.pk}/", timeout=30)
    assert response.status_code == 204, response.text
    keys = set(bucket_keys(s3_server, bucket))
    assert not keys & set(gone.file_names)
    assert set(new.file_names) <= keys

    # Nothing on any disk but the model versions each machine fetched (or trained).
    assert [web.files(), second.files()] == [[], []]
    assert not media_root.exists()
    assert web.cached_versions() == sorted([active.version, version])
    assert second.cached_versions() == sorted([active.version, version])
