"""A photo that runs into the hard time limit fails at once with the reason, and is not run
again: a real worker whose child is killed after 1 s, as Celery kills it.

The photo goes through gunicorn, like any upload: a process that has imported the task itself
(this one) would write its own time limits into the message, and the worker would obey those.
"""

import json
import shutil
import time

import pytest
import requests
from PIL import Image

from classifier.models import ModelVersion, Prediction
from classifier.tasks import out_of_time_reason
from tests.web import corpus
from tests.web.conftest import ServedSite, Worker, app_environment, wait_until_finished
from tests.web.processes import RedisServer, WebServer, WorkerProcess

pytestmark = pytest.mark.integration
HARD_LIMIT = 1


@pytest.fixture(scope="module")
def impatient_site(django_db_setup, django_db_blocker, tmp_path_factory, facenet_weights):
    """gunicorn, and a worker with a hard time limit of 1 s and no soft one, on a redis-server
    of their own (the session's worker must not take the photo)."""
    folder = tmp_path_factory.mktemp("impatient")
    broker = RedisServer(folder)
    env = {
        **app_environment(django_db_blocker, folder / "media", facenet_weights, broker.url),
        "ATHLETES_TASK_TIME_LIMIT": str(HARD_LIMIT),
        "ATHLETES_TASK_SOFT_TIME_LIMIT": "0",  # none: Celery applies the hard one after it
    }
    worker, web = WorkerProcess(folder, env), WebServer(folder, env)
    try:
        broker.start()
        worker.start()
        web.start()
        yield ServedSite(
            web.url, folder / "media", web, Worker(folder / "media", worker.log, worker.pid)
        )
    finally:
        web.discard()
        worker.discard()
        broker.discard()


def test_a_photo_killed_at_the_hard_time_limit_fails_once_with_the_reason(
    impatient_site, transactional_db, trained_model_dir, tmp_path, settings
):
    settings.MEDIA_ROOT = impatient_site.media_root  # the worker fetches the model from there
    # A model version the worker has not loaded yet: it loads it within the task.
    copy = shutil.copytree(trained_model_dir, tmp_path / "slow-to-load")
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "version": "slow-to-load"}))
    ModelVersion.objects.register(copy).activate()

    # 36 megapixels of noise: decoding, detecting on a copy, drawing and re-encoding the
    # annotated photo take the worker well over a second.
    noise = Image.effect_noise((6000, 6000), 40).convert("RGB")
    photo = corpus.encode(noise, "JPEG", quality=70)

    response = requests.post(
        f"{impatient_site.url}/api/predictions/", files={"image": ("noise.jpg", photo)}, timeout=60
    )

    assert response.status_code == 202, impatient_site.logs()
    prediction = wait_until_finished(
        Prediction.objects.get(pk=response.json()["id"]), impatient_site.worker
    )
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error == out_of_time_reason(HARD_LIMIT)
    time.sleep(2)
    prediction.refresh_from_db()
    assert (prediction.status, prediction.attempts) == (Prediction.Status.FAILED, 1)
    assert "Hard time limit (1s) exceeded" in impatient_site.worker.log.read_text()
