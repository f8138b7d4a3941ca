"""Fixtures for the web product's tests: photos made in code, athletes, a model version, a fake
predictor for tests that need no TensorFlow, users, and a real Celery worker."""

import io
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from athletes_site.celery_app import app as celery_app
from athletes_site.settings.base import s3_storage
from classifier.models import (
    Athlete,
    EventExport,
    Face,
    FaceReview,
    ModelVersion,
    Prediction,
    face_index,
)
from classifier.worker import inference
from ml.artifact import Manifest
from ml.results import FaceResult, ImageResult
from tests.web import browser as chromium
from tests.web.processes import S3Server, WebServer, WorkerProcess, wait_for

PASSWORD = "a-long-test-password"


def jpeg_bytes(size: tuple[int, int] = (64, 48), colour=(200, 30, 30), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", **save_options)
    return buffer.getvalue()


def exported(client, url: str):
    """An event's export as a client gets it: asked for, built by the worker (run here, in
    this process), then asked for again."""
    from classifier.tasks import build_event_export

    first = client.get(url)
    if first.status_code != 202:
        return first
    for export in EventExport.objects.filter(status=EventExport.Status.QUEUED):
        build_event_export(str(export.pk))
    return client.get(url)


def upload_file(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_face_index():
    """Each test's database starts its own faces: no process keeps another test's index."""
    face_index.forget()
    yield
    face_index.forget()


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Upload counts live in the cache, a table of the test database: a test in a transaction
    leaves none behind, and the others start and end with none."""
    if "transactional_db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    cache.clear()
    yield
    cache.clear()


def stored_manifest(version: str, labels: list[str], metrics: dict | None = None) -> dict:
    """The manifest JSON a ModelVersion of these athletes stores, as ``register`` writes it."""
    return Manifest(
        version=version,
        labels=labels,
        display_names={},
        detector="blazeface",
        lines={label: {"sure": 0.6, "unknown": 0.5} for label in labels},
        calibration={},
        input_size=160,
        created_at=timezone.now(),
        seed=0,
        training_counts={label: 30 for label in labels},
        metrics=metrics or {},
    ).to_dict()


@pytest.fixture
def athletes(db) -> list[Athlete]:
    return [
        Athlete.objects.create(label="lebron_james", display_name="LeBron James"),
        Athlete.objects.create(label="rafael_nadal", display_name="Rafael Nadal"),
    ]


@pytest.fixture
def model_version(athletes) -> ModelVersion:
    return ModelVersion.objects.create(
        version="v1",
        path="v1",
        manifest=stored_manifest("v1", ["lebron_james", "rafael_nadal"], {"accuracy_mean": 0.98}),
        is_active=True,
    )


class FakePredictor:
    """Stands in for ml.predictor.Predictor: one Nadal face, or whatever error it is told."""

    def __init__(self):
        self.error: Exception | None = None
        self.calls = 0
        self.loaded_versions: list[str] = []
        self.allowed: set[str] | None = None

    def analyse(self, image, allowed=None):
        self.calls += 1
        self.allowed = allowed
        if self.error:
            raise self.error
        face = FaceResult(
            box=(4, 4, 20, 20),
            label="rafael_nadal",
            candidate="rafael_nadal",
            score=0.97,
            needs_review=False,
            detection_confidence=0.99,
        )
        return ImageResult.from_faces([face], 1, {"detect_ms": 5.0}), np.full((1, 128), 0.0884)


@pytest.fixture
def fake_predictor(monkeypatch) -> FakePredictor:
    """Replace the model loading; records which model versions were asked for."""
    predictor = FakePredictor()

    def load(model_version):
        predictor.loaded_versions.append(model_version.version)
        return predictor

    monkeypatch.setattr(inference, "load_predictor", load)
    return predictor


@pytest.fixture
def sent_tasks(monkeypatch) -> list[str]:
    """Record the prediction ids sent to the broker instead of sending them."""
    sent = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, args, **kwargs: sent.append(args[0]))
    return sent


def agreeing_faces(prediction: Prediction) -> list[dict]:
    """One face whose answer is the photo's: sure for an athlete, unknown (Nadal the closest)
    for ``unknown``; none for ``no_face`` or an unfinished photo."""
    if prediction.status != Prediction.Status.DONE or prediction.label in ("", "no_face"):
        return []
    candidate = "rafael_nadal" if prediction.label == "unknown" else prediction.label
    face = {"box": [4, 4, 20, 20], "label": prediction.label, "candidate": candidate}
    return [{**face, "score": prediction.confidence or 0.3, "needs_review": False}]


def photo_review(prediction: Prediction) -> FaceReview | None:
    """The latest decision on any face of the photo."""
    return FaceReview.objects.filter(face__prediction=prediction).first()


@pytest.fixture
def make_prediction(db, model_version):
    """Create prediction rows directly, as if the worker had finished them."""

    def make(faces: list[dict] | None = None, **fields) -> Prediction:
        """``faces``: the model's answer per face, as ml.results.FaceResult's fields; by
        default one face that agrees with the photo's label and confidence."""
        pk = uuid.uuid4()
        defaults = {
            "id": pk,
            "image": f"uploads/2026/01/{pk}.jpg",
            "thumbnail": f"thumbs/2026/01/{pk}.jpg",
            "annotated": f"annotated/2026/01/{pk}.jpg",
            "original_name": "photo.jpg",
            "sha256": uuid.uuid4().hex * 2,
            "size": 1000,
            "width": 64,
            "height": 48,
            "status": Prediction.Status.DONE,
            "label": "rafael_nadal",
            "confidence": 0.9,
            "model_version": model_version,
        }
        prediction = Prediction.objects.create(**{**defaults, **fields})
        if faces is None:
            faces = agreeing_faces(prediction)
        for position, face in enumerate(faces):
            answer = FaceResult(**{"detection_confidence": 0.99, **face, "box": tuple(face["box"])})
            Face.from_result(prediction, position, answer, None).save()
        return prediction

    return make


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        "staff", password=PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def user_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("fan", password=PASSWORD))
    return client


@pytest.fixture
def media_photo(media_root) -> str:
    """A stored upload, as the web side writes it; returns its storage name."""
    name = "uploads/2026/01/stored.jpg"
    (media_root / name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / name).write_bytes(jpeg_bytes())
    return name


@pytest.fixture
def with_files(media_root):
    """Store a prediction's files (small real JPEGs), so pages show real images; return it."""

    def store(prediction: Prediction) -> Prediction:
        for name in prediction.file_names:
            (media_root / name).parent.mkdir(parents=True, exist_ok=True)
            (media_root / name).write_bytes(jpeg_bytes())
        return prediction

    return store


# --- A real Celery worker, for integration and browser tests -------------------------------

RESULT_SECONDS = 120


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL naming the test database, for the worker subprocess."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    host = f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
    return f"postgres://{user}{password}@{host}/{settings_dict['NAME']}"


def app_environment(django_db_blocker, media_root: Path, weights: Path, broker: str) -> dict:
    """The environment of a worker or web process sharing the test database and ``media_root``."""
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}
    return {
        **inherited,  # not a pytest-xdist worker: ``broker`` is already this worker's database
        "DJANGO_SETTINGS_MODULE": "athletes_site.settings.test",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(media_root),
        # Where the process unpacks the model archives it fetches: its own, as on a machine.
        "ATHLETES_MODEL_CACHE": str(media_root.parent / "model-cache"),
        "ATHLETES_FACENET_WEIGHTS": str(weights),
        "ATHLETES_TEST_REDIS_URL": broker,
    }


@dataclass
class Worker:
    media_root: Path
    log: Path
    pid: int


@pytest.fixture(scope="session")
def worker(django_db_setup, django_db_blocker, tmp_path_factory, facenet_weights):
    """``celery worker --pool prefork --concurrency 1`` on the test database and this test
    process's Redis database, started at the first test that asks for it and shared by every
    later one (one per pytest-xdist worker). A test that kills or stops a worker, or needs other
    settings, starts its own (``tests/web/processes.py``) on a broker of its own (a
    ``RedisServer``), so that this one never takes its tasks.

    It records a heartbeat as it starts and then only hourly: the heartbeats of the tests'
    own workers are the ones the queue banner shows."""
    broker = django_settings.CELERY_BROKER_URL
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Integration tests need Redis at {broker}: {exc}")
    folder = tmp_path_factory.mktemp("worker")
    media_root = folder / "media"
    env = {
        **app_environment(django_db_blocker, media_root, facenet_weights, broker),
        "ATHLETES_WORKER_SILENT_AFTER_SECONDS": str(4 * 3600),
    }
    process = WorkerProcess(folder, env)
    try:
        process.start()
        yield Worker(media_root, process.log, process.pid)
    finally:
        process.discard()


@pytest.fixture
def active_model(worker, transactional_db, settings, trained_model_dir) -> ModelVersion:
    """The session's real trained model, registered and active; media shared with the worker."""
    settings.MEDIA_ROOT = worker.media_root
    model_version = ModelVersion.objects.register(trained_model_dir)
    model_version.activate()
    return model_version


def wait_until_finished(prediction: Prediction, worker: Worker) -> Prediction:
    deadline = time.monotonic() + RESULT_SECONDS
    while True:
        prediction.refresh_from_db()
        if not prediction.is_pending:
            return prediction
        if time.monotonic() > deadline:
            pytest.fail(
                f"Prediction still {prediction.status}. Worker log:\n{worker.log.read_text()}"
            )
        time.sleep(0.2)


def grouped(face: Face, worker: Worker) -> Face:
    """The unknown face once the worker has grouped it: the task marks the photo done, then
    groups its unknown faces, so a client may read the photo done a moment before."""
    wait_for(
        lambda: Face.objects.filter(pk=face.pk, person__isnull=False).exists(),
        RESULT_SECONDS,
        lambda: f"Face {face.pk} was never grouped. Worker log:\n{worker.log.read_text()}",
    )
    face.refresh_from_db()
    return face


# --- Photos of people who are not the sample athletes, to enrol --------------------------


def photos_of(people: Path, label: str) -> list[Path]:
    """One person's photos in a ``<person>/<photos>`` folder (``sample_people``), in order."""
    return sorted((people / label).iterdir())


@pytest.fixture
def strangers(sample_data: Path) -> Path:
    """The dev set's ``others/`` (``../shared/datasets/lookalikes``, beside the sample photos):
    several photos each of people the sample model does not know, to upload. Evaluation
    only: a test may upload and review them, never train a model on them."""
    path = sample_data.parent / "lookalikes" / "others"
    if not path.is_dir():
        pytest.fail(f"The dev set's others/ not found at {path}.")
    return path


@pytest.fixture
def league(sample_data: Path) -> Path:
    """The many-identity dev set (``../shared/datasets/league``, beside the sample photos):
    ``enrol/<Person>/`` to import, ``probe/<Person>/`` to upload. Evaluation only: a test may
    zip it into its own temporary folder, never into the repository."""
    path = sample_data.parent / "league"
    if not (path / "enrol").is_dir():
        pytest.fail(f"The league dev set not found at {path}.")
    return path


# --- Shared object storage: a real S3-protocol server --------------------------------------

S3_KEY, S3_SECRET = S3Server.key, S3Server.secret


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """SeaweedFS's S3 server, for the whole session (of each pytest-xdist worker)."""
    server = S3Server(tmp_path_factory.mktemp("s3"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


def s3_environment(server: S3Server, bucket: str) -> dict[str, str]:
    """The environment that sends a process's files to ``bucket``, as on a deployed machine."""
    return {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": server.url,
        "AWS_ACCESS_KEY_ID": S3_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
    }


def new_bucket(server: S3Server) -> str:
    name = f"athletes-{uuid.uuid4().hex[:12]}"
    s3_client(server).create_bucket(Bucket=name)
    return name


def s3_client(server: S3Server):
    return server.client()


def bucket_keys(server: S3Server, bucket: str) -> list[str]:
    pages = s3_client(server).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture
def bucket(settings, s3_server) -> str:
    """A new, empty bucket that the site's storage uses for this test."""
    name = new_bucket(s3_server)
    storage = s3_storage(name, s3_server.url, S3_KEY, S3_SECRET)
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return name


@dataclass
class ServedSite:
    """gunicorn and a real worker on the test database, sharing ``media_root``."""

    url: str
    media_root: Path
    web: WebServer
    worker: Worker

    def logs(self) -> str:
        return f"Web:\n{self.web.logs()}\nWorker:\n{self.worker.log.read_text()}"


@pytest.fixture(scope="session")
def served(worker, django_db_blocker, tmp_path_factory, facenet_weights):
    """The site served by gunicorn as scripts/run serves it, in front of the session's worker;
    started once, like the worker."""
    folder = tmp_path_factory.mktemp("web")
    broker = django_settings.CELERY_BROKER_URL
    env = app_environment(django_db_blocker, worker.media_root, facenet_weights, broker)
    web = WebServer(folder, env)
    try:
        web.start()
        yield ServedSite(web.url, worker.media_root, web, worker)
    finally:
        web.discard()


def stored_files(media_root: Path) -> set[Path]:
    return {p for p in media_root.rglob("*") if p.is_file()} if media_root.exists() else set()


# --- Debian's Chromium, for browser tests --------------------------------------------------


@pytest.fixture(scope="session")
def shared_chromium():
    """Playwright and one Chromium, started at the first browser test of the session."""
    shared = chromium.SharedChromium()
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def browser(shared_chromium):
    """The session's Chromium, for one test."""
    with shared_chromium.in_use() as browser:
        yield browser


@pytest.fixture
def viewport() -> str:
    """A desktop (1366×900); layout tests run on a phone too (``on_desktop_and_phone``)."""
    return "desktop"


@pytest.fixture
def page(browser, viewport):
    page = chromium.new_page(browser, viewport)
    yield page
    page.context.close()
