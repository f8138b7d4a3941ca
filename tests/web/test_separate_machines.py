"""Web and workers as separate machines: gunicorn and two Celery workers that share nothing but
PostgreSQL, Redis and an S3 server (moto's), each with its own empty MEDIA_ROOT and model cache.

Fifty different photos are uploaded over HTTP. Every one must finish exactly once (one attempt,
one task that succeeded, in one worker's log), both workers must have taken part, every file
must be in the bucket, and no process may have written a file to its own disk but the model
each worker fetched from the bucket into its cache.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.db import connection

from classifier.models import ModelVersion, Prediction
from tests.web.conftest import app_environment, bucket_keys, s3_environment
from tests.web.processes import WebServer, WorkerProcess, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.db_engine]

PHOTOS = 50
RESULT_SECONDS = 180
SUCCEEDED = re.compile(r"Task classifier\.tasks\.run_prediction\[([0-9a-f-]+)\] succeeded")


@dataclass
class Machine:
    """One machine's process and the folders that are its own disk."""

    process: WebServer | WorkerProcess
    media_root: Path
    model_cache: Path

    def files(self) -> list[Path]:
        return [path for path in self.media_root.rglob("*") if path.is_file()]


@pytest.fixture
def machines(transactional_db, django_db_blocker, tmp_path, facenet_weights, s3_server, bucket):
    if connection.vendor != "postgresql":
        pytest.skip("machines share a database server only on PostgreSQL (scripts/test runs it)")
    broker = django_settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()
    started: list[Machine] = []
    try:
        for name, kind in [
            ("web", WebServer),
            ("worker-1", WorkerProcess),
            ("worker-2", WorkerProcess),
        ]:
            folder = tmp_path / name
            folder.mkdir()
            media, cache = folder / "media", folder / "model-cache"
            env = {
                **app_environment(django_db_blocker, media, facenet_weights, broker),
                **s3_environment(s3_server, bucket),
                "ATHLETES_MODEL_CACHE": str(cache),
                "ATHLETES_MODELS_DIR": str(folder / "models"),
            }
            started.append(Machine(kind(folder, env), media, cache))
        for machine in started:
            machine.process.start()
        yield started
    finally:
        for machine in started:
            machine.process.stop()


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


def test_fifty_photos_finish_exactly_once_with_every_file_in_the_bucket(
    machines, trained_model_dir, sample_data, s3_server, bucket, media_root
):
    ModelVersion.objects.register(trained_model_dir).activate()  # its archive goes to the bucket
    web, *workers = machines
    photos = sorted(sample_data.glob("*/*.jpg"))[:PHOTOS]
    assert len(photos) == PHOTOS

    ids = upload_all(web.process, photos)

    def all_finished() -> bool:
        return not Prediction.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists()

    logs = lambda: "\n".join(m.process.log.read_text() for m in machines)  # noqa: E731
    wait_for(all_finished, RESULT_SECONDS, lambda: f"Not all finished.\n{logs()}")
    predictions = list(Prediction.objects.filter(pk__in=ids))
    assert len(predictions) == PHOTOS
    assert {(p.status, p.attempts, p.error) for p in predictions} == {("done", 1, "")}

    succeeded = [SUCCEEDED.findall(worker.process.log.read_text()) for worker in workers]
    assert all(succeeded), f"a worker ran no task: {[len(tasks) for tasks in succeeded]}"
    ran = [task for tasks in succeeded for task in tasks]
    assert sorted(ran) == sorted(p.task_id for p in predictions)

    stored = {name for p in predictions for name in p.file_names}
    assert len(stored) == 3 * PHOTOS
    assert stored <= set(bucket_keys(s3_server, bucket))
    assert [m.files() for m in machines] == [[], [], []]
    assert not media_root.exists()
    assert [len(list(m.model_cache.iterdir())) for m in workers] == [1, 1]
    assert not web.model_cache.exists()
