"""A photo that runs into the hard time limit fails at once with the reason, and is not run
again: a real worker whose child is killed after 1 s, as Celery kills it."""

import json
import shutil
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client
from PIL import Image

from classifier.model_versions import register
from classifier.models import Prediction
from classifier.tasks import out_of_time_reason
from tests.web import corpus
from tests.web.conftest import Worker, app_environment, upload_file, wait_until_finished
from tests.web.processes import WorkerProcess

pytestmark = pytest.mark.integration
HARD_LIMIT = 1


@pytest.fixture(scope="module")
def impatient_worker(django_db_setup, django_db_blocker, tmp_path_factory, facenet_weights):
    """A worker with a hard time limit of 1 s and no soft one."""
    broker = django_settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()
    folder = tmp_path_factory.mktemp("impatient")
    env = {
        **app_environment(django_db_blocker, folder / "media", facenet_weights, broker),
        "ATHLETES_TASK_TIME_LIMIT": str(HARD_LIMIT),
        "ATHLETES_TASK_SOFT_TIME_LIMIT": "0",  # none: Celery applies the hard one after it
    }
    process = WorkerProcess(folder, env)
    try:
        process.start()
        yield Worker(folder / "media", process.log, process.pid)
    finally:
        process.stop()


def test_a_photo_killed_at_the_hard_time_limit_fails_once_with_the_reason(
    impatient_worker, transactional_db, settings, trained_model_dir, tmp_path
):
    settings.MEDIA_ROOT = impatient_worker.media_root
    # A model version the worker has not loaded yet: it loads it within the task.
    copy = shutil.copytree(trained_model_dir, tmp_path / "slow-to-load")
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "version": "slow-to-load"}))
    register(copy).activate()

    # 36 megapixels of noise: decoding, detecting on a copy, drawing and re-encoding the
    # annotated photo take the worker well over a second.
    noise = Image.effect_noise((6000, 6000), 40).convert("RGB")
    photo = upload_file(corpus.encode(noise, "JPEG", quality=70))

    response = Client().post("/api/predictions/", {"image": photo})

    assert response.status_code == 202
    prediction = wait_until_finished(
        Prediction.objects.get(pk=response.json()["id"]), impatient_worker
    )
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error == out_of_time_reason(HARD_LIMIT)
    time.sleep(2)
    prediction.refresh_from_db()
    assert (prediction.status, prediction.attempts) == (Prediction.Status.FAILED, 1)
    assert "Hard time limit (1" in impatient_worker.log.read_text()
