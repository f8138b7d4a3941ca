"""POST /api/predictions/: a photo is accepted at once, stored cleanly and queued."""

import hashlib
import io

import pytest
from django.test import Client
from PIL import Image

from classifier.models import Prediction
from tests.web.conftest import jpeg_bytes, upload_file

URL = "/api/predictions/"


@pytest.mark.db_engine  # on_commit
def test_it_accepts_a_photo_and_queues_it(
    client, model_version, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"image": upload_file(jpeg_bytes(), "my photo.jpg")})

    assert response.status_code == 202
    body = response.json()
    prediction = Prediction.objects.get()
    assert body["id"] == str(prediction.pk)
    assert body["status"] == "queued"
    assert body["reused"] is False
    assert response["Location"] == f"http://testserver/api/predictions/{prediction.pk}/"
    assert prediction.status == Prediction.Status.QUEUED
    assert prediction.original_name == "my photo.jpg"
    assert (prediction.width, prediction.height) == (64, 48)
    assert prediction.enqueued_at is not None
    assert sent_tasks == [str(prediction.pk)]


def test_it_stores_the_photo_under_a_server_chosen_name(client, model_version, sent_tasks):
    client.post(URL, {"image": upload_file(jpeg_bytes(), "../../etc/passwd.jpg")})

    prediction = Prediction.objects.get()
    assert prediction.image.name.startswith("uploads/")
    assert prediction.image.name.endswith(f"/{prediction.pk}.jpg")
    assert prediction.thumbnail.name.endswith(f"/{prediction.pk}.jpg")
    assert prediction.original_name == "passwd.jpg"


def test_it_records_size_and_sha256_of_the_bytes_sent(client, model_version, sent_tasks):
    data = jpeg_bytes()
    client.post(URL, {"image": upload_file(data)})

    prediction = Prediction.objects.get()
    assert prediction.size == len(data)
    assert prediction.sha256 == hashlib.sha256(data).hexdigest()


def test_it_strips_exif_and_applies_orientation(client, model_version, sent_tasks):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # a GPS latitude
    data = jpeg_bytes((64, 48), exif=exif.tobytes())

    client.post(URL, {"image": upload_file(data)})

    prediction = Prediction.objects.get()
    with prediction.image.open("rb") as stored:
        served = Image.open(io.BytesIO(stored.read()))
    assert served.format == "JPEG"
    assert served.size == (48, 64)
    assert (prediction.width, prediction.height) == (48, 64)
    assert not served.getexif()


def test_it_serves_non_jpeg_photos_as_png(client, model_version, sent_tasks):
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 255, 128)).save(buffer, "PNG")

    response = client.post(URL, {"image": upload_file(buffer.getvalue(), "clip.png")})

    assert response.status_code == 202
    assert Prediction.objects.get().image.name.endswith(".png")


def test_it_needs_a_file(client, model_version):
    response = client.post(URL, {})

    assert response.status_code == 400
    assert "image" in response.json()
    assert not Prediction.objects.exists()


def test_it_records_the_uploader_when_signed_in(user_client, model_version, sent_tasks):
    user_client.post(URL, {"image": upload_file(jpeg_bytes())})

    assert Prediction.objects.get().uploader.username == "fan"


@pytest.mark.db_engine  # on_commit
def test_it_keeps_the_upload_queued_when_the_broker_is_down(
    client, model_version, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from athletes_site.celery_app import app

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"image": upload_file(jpeg_bytes())})

    assert response.status_code == 202
    prediction = Prediction.objects.get()
    assert prediction.status == Prediction.Status.QUEUED
    assert prediction.enqueued_at is None


def test_an_api_client_without_a_session_gets_none_made(client, model_version, sent_tasks):
    from django.contrib.sessions.models import Session

    client.post(URL, {"image": upload_file(jpeg_bytes())})

    # A random stamp no session holds: listed to nobody, never taken for the hot folder's.
    assert len(Prediction.objects.get().visitor) == 32
    assert not Session.objects.exists()


def test_it_takes_one_photo_per_request(client, model_version, sent_tasks):
    files = [upload_file(jpeg_bytes(colour=(i * 40, 0, 0)), f"{i}.jpg") for i in range(2)]

    response = client.post("/api/predictions/", {"image": files})

    assert response.status_code == 400
    assert response.json() == {"image": ["Send one photo per request."]}
    assert not Prediction.objects.exists()
    assert sent_tasks == []


def test_deeply_nested_json_is_a_400_not_a_server_error(model_version):
    client = Client(raise_request_exception=False)

    response = client.post(URL, "[" * 200_000, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error: the document is nested too deeply."}
    assert not Prediction.objects.exists()
