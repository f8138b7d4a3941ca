"""Every file of the corpus (tests/web/corpus.py), through the API and the HTML form alike.

Each one is refused with a 4xx that says why, leaving no row and no file behind, or accepted
and stored as a clean, upright copy under a name the server chose, served with a fixed content
type. Never a 500. The empty, text and truncated files are also in test_rejected_uploads.py.
"""

import html
import io
import socket
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from classifier.models import Prediction
from tests.web import corpus

API, FORM = "/api/predictions/", "/upload/"
MEDIA_TYPES = {".jpg": ("JPEG", "image/jpeg"), ".png": ("PNG", "image/png")}
# The files whose name is stored as sent (cut, cleaned): its length and characters meet the
# engine's column, so these run on PostgreSQL too (db_engine).
NAMED = {"name with ../", "name with spaces", "unicode name", "name without extension",
         "name with markup", "300-character name"}  # fmt: skip
ACCEPTED = [
    pytest.param(kind, marks=pytest.mark.db_engine) if kind in NAMED else kind
    for kind in corpus.ACCEPTED
]


def post(client, path: str, sample: corpus.Sample):
    upload = SimpleUploadedFile(sample.filename, sample.data, content_type=sample.content_type)
    return client.post(path, {"image": upload})


def stored_files(media_root) -> list:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def served_bytes(client, url: str) -> tuple[bytes, object]:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content), response


def close_to(actual, expected, tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


@pytest.mark.parametrize("path", [API, FORM])
@pytest.mark.parametrize("kind", corpus.REFUSED)
def test_it_is_refused_with_the_reason_and_nothing_is_stored(
    client, model_version, media_root, sent_tasks, path, kind
):
    refusal = corpus.REFUSED[kind]

    response = post(client, path, refusal.sample)

    assert response.status_code == 400
    if path == API:
        assert refusal.reason in response.json()["image"][0]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert refusal.reason in html.unescape(response.content.decode())
        assert "<script>alert" not in response.content.decode()
    assert not Prediction.objects.exists()
    assert stored_files(media_root) == []
    assert sent_tasks == []


@pytest.mark.parametrize("path", [API, FORM])
@pytest.mark.parametrize("kind", ACCEPTED)
def test_it_is_accepted_and_stored_as_a_clean_upright_copy_under_a_server_chosen_name(
    client, model_version, media_root, sent_tasks, django_capture_on_commit_callbacks, path, kind
):
    expected = corpus.ACCEPTED[kind]

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, path, expected.sample)

    assert response.status_code == (202 if path == API else 302)
    prediction = Prediction.objects.get()
    assert prediction.status == Prediction.Status.QUEUED
    assert sent_tasks == [str(prediction.pk)]
    assert len(prediction.original_name) <= 255 and "/" not in prediction.original_name
    month = timezone.now().strftime("%Y/%m")
    assert prediction.image.name == f"uploads/{month}/{prediction.pk}{expected.suffix}"
    assert set(stored_files(media_root)) == {
        media_root / prediction.image.name,
        media_root / f"thumbs/{month}/{prediction.pk}.jpg",
    }

    data, served = served_bytes(client, prediction.image.url)
    pillow_format, content_type = MEDIA_TYPES[expected.suffix]
    assert served["Content-Type"] == content_type
    assert served["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.mode, image.size) == (pillow_format, "RGB", expected.size)
    assert getattr(image, "n_frames", 1) == 1
    corners = (image.getpixel((0, 0)), image.getpixel((image.width - 1, image.height - 1)))
    assert all(map(close_to, corners, expected.corners)), corners
    assert (prediction.width, prediction.height) == expected.size

    page = client.get(f"/predictions/{prediction.pk}/").content.decode()
    assert "<img src=x" not in page


@pytest.mark.parametrize("path", [API, FORM])
def test_exif_gps_xmp_and_comments_are_not_in_what_is_served(
    client, model_version, sent_tasks, path
):
    sample = corpus.Sample("located.jpg", corpus.jpeg_with_gps())
    private = [b"Exif\x00\x00", b"PhoneMaker", b"CameraApp", b"xmpmeta", b"GPSLatitude"]
    private.append(b"home address")
    assert all(marker in sample.data for marker in private)  # the upload does carry them

    assert post(client, path, sample).status_code in (202, 302)

    prediction = Prediction.objects.get()
    for url in (prediction.image.url, prediction.thumbnail.url):
        data, _ = served_bytes(client, url)
        assert [marker for marker in private if marker in data] == [], url
        image = Image.open(io.BytesIO(data))
        assert dict(image.getexif()) == {}
        assert "comment" not in image.info and "xmp" not in image.info


def read_until(connection: socket.socket, expected: bytes) -> bytes:
    """What the server sent, up to ``expected``, without waiting for the connection to close
    (the development server reads the rest of the body before it closes)."""
    received = b""
    while expected not in received:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


@pytest.mark.parametrize("path", [API, FORM])
def test_an_upload_over_the_limit_is_answered_before_its_body_is_sent(
    live_server, settings, media_root, path
):
    """A real socket: the client announces 50 MB, sends 1 KB and waits. The answer comes."""
    settings.ATHLETES_MAX_UPLOAD_BYTES = 100_000
    address = urlsplit(live_server.url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
        "Content-Type: multipart/form-data; boundary=limit\r\n"
        "Content-Length: 50000000\r\nConnection: close\r\n\r\n"
    ).encode()
    body_start = b'--limit\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\n'

    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(head + body_start + b"\xff" * 1024)
        answer = read_until(connection, b"too large")

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"too large" in answer
    assert not Prediction.objects.exists()
    assert stored_files(media_root) == []
