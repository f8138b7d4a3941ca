"""A wire photo keeps its credits: the tagged download and the event zip carry the rights,
credit, caption and capture date the sent file had (IPTC-IIM and XMP, as exiftool wrote them),
add the names, and leave out serial numbers always and the GPS position unless the uploader
keeps it. Everything is read back with exiftool."""

import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from classifier.desk.credits import GPS_IFD, read_credits
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
    # What the privacy rule removes, the position unless the uploader keeps it:
    "GPS:GPSLatitude": "48.8584",
    "GPS:GPSLatitudeRef": "N",
    "GPS:GPSLongitude": "2.2945",
    "GPS:GPSLongitudeRef": "W",
    "GPS:GPSAltitude": "35.5",
    "GPS:GPSAltitudeRef": "Below Sea Level",
    "GPS:GPSDateStamp": "2026:06:05",
    "GPS:GPSTimeStamp": "13:04:05",
    "EXIF:SerialNumber": "SN-4711",
    "EXIF:LensSerialNumber": "LS-0815",
}
# The position as exiftool reads it back from the sent file and from a download that keeps it.
POSITION = {
    "GPS:GPSLatitude": "48 deg 51' 30.24\"",
    "GPS:GPSLatitudeRef": "North",
    "GPS:GPSLongitude": "2 deg 17' 40.20\"",
    "GPS:GPSLongitudeRef": "West",
    "GPS:GPSAltitude": "35.5 m",
    "GPS:GPSAltitudeRef": "Below Sea Level",
    "Composite:GPSDateTime": "2026:06:05 13:04:05Z",
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


def position(tags: dict) -> dict:
    return {tag: tags.get(tag) for tag in POSITION}


def upload_wire(client, final: Event, sent: bytes, **options) -> Prediction:
    """The wire photo uploaded into the event through the API; a new one is named by the
    worker (Rafael Nadal), a reused one takes the earlier's faces."""
    response = client.post(
        "/api/predictions/", {"image": upload_file(sent, "wire.jpg"), "event": final.pk, **options}
    )
    assert response.status_code in (201, 202), response.content
    prediction = Prediction.objects.get(pk=response.json()["id"])
    if response.status_code == 202:
        Face.from_result(prediction, 0, FaceResult(**NADAL), None).save()
        prediction.status, prediction.label = Prediction.Status.DONE, "rafael_nadal"
        prediction.save()
    return prediction


@pytest.fixture
def sent(tmp_path) -> bytes:
    """The wire photo, with its GPS position and serial numbers as exiftool reads them."""
    sent = wire_photo(tmp_path)
    tags = read_tags(sent, tmp_path)
    assert {"Jane Photog", "SN-4711", "LS-0815"} <= set(tags.values())
    assert position(tags) == POSITION
    return sent


@pytest.fixture(params=[False, True], ids=["location removed", "location kept"])
def keep_location(request) -> bool:
    return request.param


@pytest.fixture
def uploaded(staff_client, final, sent_tasks, sent, keep_location) -> Prediction:
    """The wire photo uploaded into the event, with or without keeping its position."""
    return upload_wire(staff_client, final, sent, keep_location=keep_location)


def assert_keeps_the_credits_and_adds_the_names(tags: dict, keep_location: bool) -> None:
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
    assert_keeps_the_position_only_if_asked(tags, keep_location)


def assert_keeps_the_position_only_if_asked(tags: dict, keep_location: bool) -> None:
    """The GPS position as it was sent, or no GPS at all; never a serial number."""
    if keep_location:
        assert position(tags) == POSITION
    else:
        assert not [tag for tag in tags if "GPS" in tag]
    everything = json.dumps(tags)
    assert "SN-4711" not in everything and "LS-0815" not in everything
    assert not [tag for tag in tags if "Serial" in tag]


def test_the_tagged_download_keeps_the_wire_credits(client, uploaded, keep_location, tmp_path,
                                                    media_root):  # fmt: skip
    # What the site stores and shows carries none of it, whatever the uploader chose.
    stored = read_tags((media_root / uploaded.image.name).read_bytes(), tmp_path)
    assert "Jane Photog" not in json.dumps(stored)
    assert not [tag for tag in stored if "GPS" in tag]

    response = client.get(f"/api/predictions/{uploaded.pk}/photo/")

    assert response.status_code == 200
    assert_keeps_the_credits_and_adds_the_names(
        read_tags(response.content, tmp_path), keep_location
    )


def test_the_event_zip_keeps_the_wire_credits(staff_client, uploaded, keep_location, final,
                                              tmp_path):  # fmt: skip
    response = exported(staff_client, f"/api/events/{final.pk}/export/")

    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    photo = bundle.read("wire-athletes.jpg")
    assert_keeps_the_credits_and_adds_the_names(read_tags(photo, tmp_path), keep_location)


@pytest.mark.parametrize("first, second", [(False, True), (True, False)])
def test_a_reused_upload_follows_its_own_choice(
    staff_client, client, final, model_version, sent_tasks, sent, first, second, tmp_path
):
    earlier = upload_wire(staff_client, final, sent, keep_location=first)
    Prediction.objects.filter(pk=earlier.pk).update(model_version=model_version)
    reused = upload_wire(staff_client, final, sent, keep_location=second)
    assert reused.reused_from == earlier

    for prediction, keep_location in [(earlier, first), (reused, second)]:
        response = client.get(f"/api/predictions/{prediction.pk}/photo/")
        tags = read_tags(response.content, tmp_path)
        assert tags["IPTC:By-line"] == "Jane Photog"
        assert_keeps_the_position_only_if_asked(tags, keep_location)


def test_the_upload_form_offers_to_keep_the_location_off_by_default(client, athletes):
    page = " ".join(client.get("/").content.decode().split())

    box = re.search(r'<input type="checkbox" name="keep_location"[^>]*>', page)
    assert box is not None and "checked" not in box.group(0)
    assert "Keep where the photo was taken (GPS)" in page
    assert "Camera serial numbers are always removed." in page


@pytest.mark.parametrize("keep_location", [False, True])
def test_the_upload_form_keeps_the_location_when_ticked(staff_client, client, final, sent_tasks,
                                                        sent, keep_location, tmp_path):  # fmt: skip
    form = {"image": upload_file(sent, "wire.jpg"), "event": final.pk}
    response = staff_client.post(
        "/upload/", form | ({"keep_location": "true"} if keep_location else {})
    )

    assert response.status_code == 302
    prediction = Prediction.objects.get()
    Face.from_result(prediction, 0, FaceResult(**NADAL), None).save()
    Prediction.objects.filter(pk=prediction.pk).update(status="done", label="rafael_nadal")
    download = client.get(f"/api/predictions/{prediction.pk}/photo/")
    assert_keeps_the_position_only_if_asked(read_tags(download.content, tmp_path), keep_location)


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


def test_a_gps_block_that_is_no_position_keeps_nothing():
    """Refs that are no compass point, a zero denominator, 200 degrees of longitude, an hour
    25 and a date that is not one: none of it reaches a download."""
    exif = Image.Exif()
    exif[GPS_IFD] = {
        1: "X", 2: (IFDRational(48, 1), IFDRational(0, 0), IFDRational(1, 1)),
        3: "E", 4: (IFDRational(200, 1), IFDRational(0, 1), IFDRational(0, 1)),
        5: b"\x01", 6: IFDRational(1, 0),
        7: (IFDRational(25, 1), IFDRational(0, 1), IFDRational(0, 1)), 29: "junk",
    }  # fmt: skip
    photo = io.BytesIO()
    Image.new("RGB", (20, 10)).save(photo, "JPEG", exif=exif)

    assert read_credits(photo.getvalue(), keep_location=True) == {}
