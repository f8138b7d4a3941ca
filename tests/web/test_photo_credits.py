"""A wire photo keeps its credits: the tagged download and the event zip carry the rights,
credit, caption and capture date the sent file had (IPTC-IIM and XMP, as exiftool wrote them),
add the names, and leave out GPS and serial numbers. Everything is read back with exiftool."""

import io
import json
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from classifier.desk.credits import read_credits
from classifier.models import Event, Face, Prediction
from ml.results import FaceResult
from tests.web.conftest import exported, jpeg_bytes, upload_file

pytestmark = pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")

CAPTION = "Players warm up before the final."
WIRE = {
    "IPTC:CodedCharacterSet": "UTF8",
    "IPTC:By-line": "Jane Photog",
    "IPTC:Credit": "Desk Wire",
    "IPTC:CopyrightNotice": "© 2026 Desk Wire",
    "IPTC:Source": "Wire Service",
    "IPTC:Caption-Abstract": CAPTION,
    "IPTC:Keywords": "tennis",
    "XMP-dc:Creator": "Jane Photog",
    "XMP-photoshop:Credit": "Desk Wire",
    "XMP-dc:Rights": "© 2026 Desk Wire",
    "XMP-photoshop:Source": "Wire Service",
    "XMP-dc:Description": CAPTION,
    "XMP-dc:Subject": "tennis",
    "EXIF:Artist": "Jane Photog",
    "EXIF:Copyright": "© 2026 Desk Wire",
    "EXIF:DateTimeOriginal": "2026:06:05 15:04:05",
    # What the privacy rule removes:
    "GPS:GPSLatitude": "48.85",
    "GPS:GPSLatitudeRef": "N",
    "EXIF:SerialNumber": "SN-4711",
    "EXIF:LensSerialNumber": "LS-0815",
}
NADAL = {"box": (40, 20, 60, 60), "label": "rafael_nadal", "candidate": "rafael_nadal",
         "score": 0.91, "needs_review": False, "detection_confidence": 0.99}  # fmt: skip


def wire_photo(tmp_path: Path) -> bytes:
    """A JPEG as a wire service files it, written by exiftool."""
    path = tmp_path / "wire.jpg"
    path.write_bytes(jpeg_bytes((200, 100)))
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-charset", "iptc=UTF8",
         *(f"-{tag}={value}" for tag, value in WIRE.items()), str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def read_tags(data: bytes, tmp_path: Path) -> dict:
    path = tmp_path / "download.jpg"
    path.write_bytes(data)
    output = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-charset", "iptc=UTF8", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(output)[0]


@pytest.fixture
def final(athletes) -> Event:
    return Event.objects.create(name="Final", date=date(2026, 6, 7))


@pytest.fixture
def uploaded(staff_client, final, sent_tasks, tmp_path) -> Prediction:
    """The wire photo uploaded into the event and named by the worker: Rafael Nadal."""
    sent = wire_photo(tmp_path)
    tags = read_tags(sent, tmp_path)
    assert {"Jane Photog", "SN-4711", "LS-0815"} <= set(tags.values()) and "GPS:GPSLatitude" in tags
    response = staff_client.post(
        "/api/predictions/", {"image": upload_file(sent, "wire.jpg"), "event": final.pk}
    )
    assert response.status_code == 202, response.content
    prediction = Prediction.objects.get()
    Face.from_result(prediction, 0, FaceResult(**NADAL), None).save()
    prediction.status, prediction.label = Prediction.Status.DONE, "rafael_nadal"
    prediction.save()
    return prediction


def assert_keeps_the_credits_and_adds_the_names(tags: dict) -> None:
    kept = {
        "IPTC:By-line": "Jane Photog",
        "IPTC:Credit": "Desk Wire",
        "IPTC:CopyrightNotice": "© 2026 Desk Wire",
        "IPTC:Source": "Wire Service",
        "XMP-dc:Creator": "Jane Photog",
        "XMP-photoshop:Credit": "Desk Wire",
        "XMP-dc:Rights": "© 2026 Desk Wire",
        "XMP-photoshop:Source": "Wire Service",
        "IFD0:Artist": "Jane Photog",
        "IFD0:Copyright": "© 2026 Desk Wire",
        "ExifIFD:DateTimeOriginal": "2026:06:05 15:04:05",
    }
    assert {tag: tags.get(tag) for tag in kept} == kept
    # The names, dated by when the photo was taken (5 June), not the event (7 June) or the
    # upload; the wire's caption follows.
    caption = f"Rafael Nadal during Final, 5 June 2026. {CAPTION}"
    assert tags["XMP-dc:Description"] == caption
    assert tags["IPTC:Caption-Abstract"] == caption
    assert tags["XMP-iptcExt:PersonInImage"] == "Rafael Nadal"
    assert tags["XMP-mwg-rs:RegionName"] == "Rafael Nadal"
    assert tags["XMP-mwg-rs:RegionType"] == "Face"
    assert tags["XMP-dc:Subject"] == ["tennis", "Rafael Nadal"]
    assert tags["IPTC:Keywords"] == ["tennis", "Rafael Nadal"]
    everything = json.dumps(tags)
    assert not [tag for tag in tags if tag.startswith("GPS")]
    assert "SN-4711" not in everything and "LS-0815" not in everything


def test_the_tagged_download_keeps_the_wire_credits(client, uploaded, tmp_path, media_root):
    # What the site stores and shows carries none of it.
    stored = read_tags((media_root / uploaded.image.name).read_bytes(), tmp_path)
    assert "Jane Photog" not in json.dumps(stored)

    response = client.get(f"/api/predictions/{uploaded.pk}/photo/")

    assert response.status_code == 200
    assert_keeps_the_credits_and_adds_the_names(read_tags(response.content, tmp_path))


def test_the_event_zip_keeps_the_wire_credits(staff_client, uploaded, final, tmp_path):
    response = exported(staff_client, f"/api/events/{final.pk}/export/")

    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    photo = bundle.read("wire-athletes.jpg")
    assert_keeps_the_credits_and_adds_the_names(read_tags(photo, tmp_path))


def test_a_photo_without_credits_gets_the_names_alone(client, make_prediction, tmp_path,
                                                      media_root):  # fmt: skip
    prediction = make_prediction(width=200, height=100, faces=[{**NADAL, "box": [40, 20, 60, 60]}])
    (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / prediction.image.name).write_bytes(jpeg_bytes((200, 100)))

    tags = read_tags(client.get(f"/api/predictions/{prediction.pk}/photo/").content, tmp_path)

    assert tags["XMP-dc:Subject"] == "Rafael Nadal"
    assert not [tag for tag in tags if tag.startswith(("IFD0", "ExifIFD"))]
    assert "XMP-dc:Creator" not in tags and "IPTC:By-line" not in tags


def test_a_damaged_metadata_block_never_refuses_the_photo(staff_client, sent_tasks):
    photo = bytearray(jpeg_bytes((200, 100)))
    # An APP1 XMP segment that is not XML.
    segment = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta <<<"
    photo[2:2] = b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment

    response = staff_client.post("/api/predictions/", {"image": upload_file(bytes(photo))})

    assert response.status_code == 202
    assert Prediction.objects.get().credits == {}


def test_a_png_keeps_its_xmp_and_exif_credits(client, staff_client, athletes, sent_tasks, tmp_path):
    path = tmp_path / "wire.png"
    Image.new("RGB", (200, 100), (90, 120, 150)).save(path)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-XMP-dc:Creator=Jane Photog",
         "-XMP-photoshop:Credit=Desk Wire", "-EXIF:Artist=Jane Photog",
         "-EXIF:DateTimeOriginal=2026:06:05 15:04:05", "-GPS:GPSLatitude=48.85", str(path)],
        check=True,
    )  # fmt: skip
    response = staff_client.post(
        "/api/predictions/", {"image": upload_file(path.read_bytes(), "wire.png")}
    )
    prediction = Prediction.objects.get(pk=response.json()["id"])
    Face.from_result(prediction, 0, FaceResult(**NADAL), None).save()
    Prediction.objects.filter(pk=prediction.pk).update(status="done", label="rafael_nadal")

    download = client.get(f"/api/predictions/{prediction.pk}/photo/")

    tags = read_tags(download.content, tmp_path)
    assert download["Content-Type"] == "image/png"
    assert tags["XMP-dc:Creator"] == "Jane Photog"
    assert tags["XMP-photoshop:Credit"] == "Desk Wire"
    assert tags["IFD0:Artist"] == "Jane Photog"
    assert tags["XMP-dc:Description"] == "Rafael Nadal, 5 June 2026"
    assert not [tag for tag in tags if tag.startswith("GPS")]


def test_a_file_cannot_make_its_credits_heavy(tmp_path):
    path = tmp_path / "heavy.jpg"
    path.write_bytes(jpeg_bytes((200, 100)))
    keywords = [f"-XMP-dc:Subject=keyword {number}" for number in range(100)]
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", f"-XMP-dc:Description={'x' * 5000}",
         *keywords, str(path)],
        check=True,
    )  # fmt: skip

    credits = read_credits(path.read_bytes())

    assert credits["XMP-dc:Description"] == "x" * 2000
    assert credits["XMP-dc:Subject"] == [f"keyword {number}" for number in range(64)]
