"""Files that are not photos we can read are refused with a reason, and nothing is stored."""

import io

import pytest
from django.urls import include, path
from PIL import Image

from classifier.models import Prediction
from tests.web.conftest import jpeg_bytes, upload_file


def truncated_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 60).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()[: buffer.tell() // 2]


BAD_FILES = {
    "text named .jpg": (b"just some text, not a photo\n", "This file is not an image"),
    "truncated JPEG": (truncated_jpeg(), "damaged or truncated"),
    "zero bytes": (b"", "empty"),
}


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


@pytest.mark.parametrize("kind", BAD_FILES)
def test_the_api_refuses_it_with_a_json_reason(client, model_version, media_root, kind):
    data, reason = BAD_FILES[kind]

    response = client.post("/api/predictions/", {"image": upload_file(data, "photo.jpg")})

    assert response.status_code == 400
    assert reason in response.json()["image"][0]
    assert not Prediction.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("kind", BAD_FILES)
def test_the_form_refuses_it_with_a_message(client, model_version, media_root, kind):
    data, reason = BAD_FILES[kind]

    response = client.post("/upload/", {"image": upload_file(data, "photo.jpg")})

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not Prediction.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_over_the_limit_is_refused(client, model_version, settings, media_root):
    settings.ATHLETES_MAX_UPLOAD_BYTES = 10_000

    response = client.post("/api/predictions/", {"image": upload_file(b"\xff" * 10_001)})

    assert response.status_code == 400
    assert "too large" in response.json()["image"][0]
    assert not Prediction.objects.exists()


def test_a_request_over_the_limit_is_refused_before_its_body_is_read(client, settings, db):
    settings.ATHLETES_MAX_UPLOAD_BYTES = 1_000

    class UnreadableBody:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    response = client.generic(
        "POST",
        "/api/predictions/",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10_000_000),
        **{"wsgi.input": UnreadableBody()},
    )

    assert response.status_code == 413
    assert "too large" in response.json()["image"][0]


# A URLconf that mounts the API under /v2/, for the test below.
urlpatterns = [path("v2/", include("classifier.api.urls"))]


def test_an_oversized_api_request_gets_json_wherever_the_api_is_mounted(client, settings, db):
    settings.ROOT_URLCONF = __name__
    settings.ATHLETES_MAX_UPLOAD_BYTES = 1_000

    response = client.post("/v2/predictions/", {"image": upload_file(b"\xff" * 70_000)})

    assert response.status_code == 413
    assert "too large" in response.json()["image"][0]
    assert not Prediction.objects.exists()


def test_the_form_refuses_an_oversized_request_with_a_page(client, settings, db):
    settings.ATHLETES_MAX_UPLOAD_BYTES = 1_000

    response = client.post("/upload/", {"image": upload_file(b"\xff" * 70_000)})

    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Prediction.objects.exists()


def test_nothing_is_left_on_disk_when_the_row_cannot_be_saved(
    client, model_version, media_root, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Prediction, "save", fail)

    with pytest.raises(RuntimeError):
        client.post("/api/predictions/", {"image": upload_file(jpeg_bytes())})

    assert stored_files(media_root) == []
