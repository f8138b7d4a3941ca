"""The worker image's packages serve a model on their own: requirements/worker.txt (and its
--no-deps file) installed in a fresh virtualenv, which cannot import TensorFlow, Keras or MTCNN,
and beside the weights' configured name only the converted .tflite files, as the Dockerfile's
worker stage holds them. A real Celery worker run by that virtualenv names a photo uploaded
through gunicorn.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from classifier.models import ModelVersion, Prediction
from ml.weights import NETWORKS, lite_path
from tests.web.conftest import Worker, app_environment, wait_until_finished
from tests.web.processes import ROOT, RedisServer, WebServer, WorkerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]
LAB = ("tensorflow", "keras", "mtcnn")


@pytest.fixture(scope="module")
def worker_python(tmp_path_factory) -> Path:
    """The python of a new virtualenv holding the worker's requirements and nothing else."""
    venv = tmp_path_factory.mktemp("worker-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    requirements = ROOT / "requirements"
    subprocess.run([*pip, "-r", str(requirements / "worker.txt")], check=True, timeout=900)
    subprocess.run(
        [*pip, "--no-deps", "-r", str(requirements / "worker-nodeps.txt")], check=True, timeout=300
    )
    return python


@pytest.fixture(scope="module")
def converted_only(tmp_path_factory, facenet_weights: Path) -> Path:
    """The weights' name in a folder that holds their LiteRT conversions and not the file."""
    folder = tmp_path_factory.mktemp("opt-athletes")
    for network in NETWORKS:
        shutil.copy(lite_path(facenet_weights, network), folder)
    return folder / facenet_weights.name


def test_the_worker_requirements_alone_serve_a_model_without_tensorflow(
    worker_python, converted_only, django_db_blocker, transactional_db, trained_model_dir,
    sample_data, settings, tmp_path,
):  # fmt: skip
    for name in LAB:
        probe = subprocess.run([worker_python, "-c", f"import {name}"], capture_output=True)
        assert f"No module named '{name}'".encode() in probe.stderr
    assert not converted_only.exists()
    broker = RedisServer(tmp_path)
    env = app_environment(django_db_blocker, tmp_path / "media", converted_only, broker.url)
    worker, web = WorkerProcess(tmp_path, env), WebServer(tmp_path, env)
    worker.python = str(worker_python)
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker fetches the model from there
    ModelVersion.objects.register(trained_model_dir).activate()
    try:
        broker.start()
        worker.start()
        web.start()
        photo = (sample_data / "rafael_nadal" / "nadal(3).jpg").read_bytes()
        response = requests.post(
            f"{web.url}/api/predictions/", files={"image": ("nadal.jpg", photo)}, timeout=60
        )
        assert response.status_code == 202, web.logs()
        prediction = wait_until_finished(
            Prediction.objects.get(pk=response.json()["id"]),
            Worker(tmp_path / "media", worker.log, worker.pid),
        )
    finally:
        web.discard()
        worker.discard()
        broker.discard()

    assert prediction.status == Prediction.Status.DONE, worker.log.read_text()
    assert prediction.label == "rafael_nadal"
