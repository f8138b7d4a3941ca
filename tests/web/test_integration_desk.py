"""The desk's day end to end, with a real Redis, a real Celery worker and the real model: a wire
photo uploaded into an event is named by the worker, and the event's zip, built by the worker,
carries the photo's credits and the name. Read back with exiftool."""

import io
import json
import shutil
import subprocess
import time
import zipfile
from datetime import date

import pytest

from classifier.models import Event, Prediction
from tests.web.conftest import upload_file, wait_until_finished

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool"),
]

EXPORT_SECONDS = 60


def test_the_worker_names_a_wire_photo_and_zips_it_with_its_credits(
    staff_client, active_model, worker, sample_data, tmp_path
):
    event = Event.objects.create(name="Final", date=date(2026, 6, 7))
    path = tmp_path / "wire.jpg"
    shutil.copy(sample_data / "rafael_nadal" / "nadal(3).jpg", path)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-IPTC:By-line=Jane Photog",
         "-IPTC:Credit=Desk Wire", "-XMP-dc:Rights=© 2026 Desk Wire",
         "-EXIF:DateTimeOriginal=2026:06:05 15:04:05", str(path)],
        check=True,
    )  # fmt: skip
    uploaded = staff_client.post(
        "/api/predictions/",
        {"image": upload_file(path.read_bytes(), "wire.jpg"), "event": event.pk},
    )
    prediction = wait_until_finished(Prediction.objects.get(pk=uploaded.json()["id"]), worker)
    assert prediction.label == "rafael_nadal", prediction.error

    url = f"/api/events/{event.pk}/export/"
    deadline = time.monotonic() + EXPORT_SECONDS
    while (response := staff_client.get(url)).status_code == 202:
        assert time.monotonic() < deadline, worker.log.read_text()
        time.sleep(0.5)

    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    (tmp_path / "out.jpg").write_bytes(bundle.read("wire-athletes.jpg"))
    output = subprocess.run(
        ["exiftool", "-j", "-G1", str(tmp_path / "out.jpg")],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    tags = json.loads(output)[0]
    assert tags["IPTC:By-line"] == "Jane Photog"
    assert tags["IPTC:Credit"] == "Desk Wire"
    assert tags["XMP-dc:Rights"] == "© 2026 Desk Wire"
    assert tags["XMP-iptcExt:PersonInImage"] == "Rafael Nadal"
    assert tags["XMP-dc:Description"] == "Rafael Nadal during Final, 5 June 2026"
