"""GET /api/predictions/{id}/photo/: the photo with the athletes' names written into its XMP.

Every test reads the download back with exiftool, the tool photo desks' software agrees with.
"""

import io
import json
import shutil
import subprocess
from datetime import date

import pytest
from PIL import Image

from classifier.desk import photo_tags
from classifier.models import Athlete, Event, Prediction

pytestmark = pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")

NADAL = {"box": [10, 20, 40, 50], "label": "rafael_nadal", "candidate": "rafael_nadal",
         "score": 0.91, "needs_review": False, "detection_confidence": 0.99}  # fmt: skip
JAMES = {"box": [120, 10, 30, 30], "label": "lebron_james", "candidate": "lebron_james",
         "score": 0.80, "needs_review": False, "detection_confidence": 0.98}  # fmt: skip
STRANGER = {"box": [60, 60, 20, 20], "label": "unknown", "candidate": "lebron_james",
            "score": 0.30, "needs_review": False, "detection_confidence": 0.97}  # fmt: skip


def photo_bytes(suffix: str, **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 100), (90, 120, 150)).save(
        buffer, "PNG" if suffix == ".png" else "JPEG", **save_options
    )
    return buffer.getvalue()


def with_gps() -> dict:
    """Camera EXIF with a GPS position, as a phone writes it."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPSInfo
    return {"exif": exif.tobytes()}


@pytest.fixture
def stored(make_prediction, media_root):
    """A finished prediction of a 200×100 photo whose file is on disk."""

    def make(suffix: str = ".jpg", data: bytes | None = None, **fields) -> Prediction:
        prediction = make_prediction(width=200, height=100, **fields)
        prediction.image.name = f"uploads/2026/01/{prediction.pk}{suffix}"
        prediction.save(update_fields=["image"])
        path = media_root / prediction.image.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data or photo_bytes(suffix))
        return prediction

    return make


def read_tags(data: bytes, tmp_path, suffix: str = ".jpg") -> dict:
    path = tmp_path / f"download{suffix}"
    path.write_bytes(data)
    output = subprocess.run(
        ["exiftool", "-j", "-struct", "-G1", "-a", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(output)[0]


def test_it_writes_names_regions_and_caption_into_a_jpeg(client, stored, tmp_path):
    prediction = stored(original_name="bench.jpg", label="rafael_nadal",
                        faces=[JAMES, STRANGER, NADAL])  # fmt: skip

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="bench-athletes.jpg"'
    tags = read_tags(response.content, tmp_path)
    assert tags["XMP-iptcExt:PersonInImage"] == ["Rafael Nadal", "LeBron James"]
    regions = tags["XMP-mwg-rs:RegionInfo"]["RegionList"]
    assert [region["Name"] for region in regions] == ["Rafael Nadal", "LeBron James"]
    # MWG areas are centred and normalised: Nadal's box is x 10..50 of 200, y 20..70 of 100.
    assert regions[0]["Area"] == {"X": 0.15, "Y": 0.45, "W": 0.2, "H": 0.5, "Unit": "normalized"}
    assert tags["XMP-dc:Description"].startswith("Rafael Nadal and LeBron James, ")
    prediction.refresh_from_db()
    assert (prediction.status, prediction.label) == ("done", "rafael_nadal")


def test_it_tags_a_png_too(client, stored, tmp_path):
    prediction = stored(".png", original_name="court.webp", faces=[NADAL])

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="court-athletes.png"'
    tags = read_tags(response.content, tmp_path, ".png")
    assert tags["XMP-iptcExt:PersonInImage"] == ["Rafael Nadal"]
    assert tags["XMP-mwg-rs:RegionInfo"]["RegionList"][0]["Name"] == "Rafael Nadal"


def test_it_leaves_out_gps_and_camera_exif(client, stored, tmp_path, media_root):
    prediction = stored(data=photo_bytes(".jpg", **with_gps()), faces=[NADAL])
    assert "GPS" in json.dumps(
        read_tags((media_root / prediction.image.name).read_bytes(), tmp_path)
    )

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    assert response.status_code == 200
    tags = read_tags(response.content, tmp_path)
    assert not [key for key in tags if key.startswith(("GPS", "IFD0", "ExifIFD"))]
    assert "PhoneMaker" not in json.dumps(tags)


def test_it_names_reviewed_faces_first(client, stored, tmp_path, staff):
    prediction = stored(label="rafael_nadal", faces=[NADAL, JAMES, STRANGER])
    stranger = prediction.faces.get(position=2)
    stranger.record_review(staff, "correct", "lebron_james")

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    tags = read_tags(response.content, tmp_path)
    # The reviewer said the third face is LeBron James: it comes first, and the model's own
    # James face cannot name him twice.
    assert tags["XMP-iptcExt:PersonInImage"] == ["LeBron James", "Rafael Nadal"]
    regions = tags["XMP-mwg-rs:RegionInfo"]["RegionList"]
    assert [(region["Name"], region["Area"]["X"]) for region in regions] == [
        ("LeBron James", 0.35),
        ("Rafael Nadal", 0.15),
    ]


def test_it_writes_no_region_for_unknown_faces(client, stored, tmp_path):
    prediction = stored(label="unknown", faces=[STRANGER])

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    assert response.status_code == 200
    tags = read_tags(response.content, tmp_path)
    assert "XMP-iptcExt:PersonInImage" not in tags
    assert "XMP-mwg-rs:RegionInfo" not in tags


def test_it_fills_in_the_caption_template_from_the_settings(client, stored, tmp_path, settings):
    settings.ATHLETES_CAPTION_TEMPLATE_NO_EVENT = "Pictured: {names} ({date})"
    prediction = stored(faces=[NADAL])

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    caption = read_tags(response.content, tmp_path)["XMP-dc:Description"]
    assert caption.startswith("Pictured: Rafael Nadal (") and caption.endswith(")")


# exiftool's JSON import decodes a value of the form "base64:…" (these two would be "Hello" and
# ""); names are passed so that it never does.
@pytest.mark.parametrize("name", ["base64:SGVsbG8=", "base64:", "-all= Zoë ☃ & <b>"])
def test_a_name_is_written_exactly_as_it_is_shown(client, stored, tmp_path, name):
    Athlete.objects.filter(label="rafael_nadal").update(display_name=name)
    prediction = stored(faces=[NADAL])

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    tags = read_tags(response.content, tmp_path)
    assert tags["XMP-iptcExt:PersonInImage"] == [name]
    assert tags["XMP-mwg-rs:RegionInfo"]["RegionList"][0]["Name"] == name
    assert tags["XMP-dc:Subject"] == [name]
    assert tags["IPTC:Keywords"] == name
    assert tags["XMP-dc:Description"].startswith(f"{name}, ")


def test_it_is_open_to_whoever_has_the_id_like_the_photo(client, stored, django_user_model):
    owner = django_user_model.objects.create_user("owner")
    prediction = stored(uploader=owner, faces=[NADAL])

    assert client.get(f"/api/predictions/{prediction.pk}/photo/").status_code == 200


def test_it_answers_409_while_the_photo_is_processed(client, stored):
    prediction = stored(status=Prediction.Status.QUEUED, faces=[])

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    assert response.status_code == 409
    assert "still being processed" in response.json()["detail"]


def test_it_answers_404_for_an_unknown_id(client, db):
    response = client.get("/api/predictions/00000000-0000-0000-0000-000000000000/photo/")

    assert response.status_code == 404


def test_it_answers_503_with_a_reason_without_exiftool(client, stored, monkeypatch, media_root):
    prediction = stored(faces=[NADAL])
    before = (media_root / prediction.image.name).read_bytes()
    monkeypatch.setenv("PATH", "/nonexistent")

    response = client.get(f"/api/predictions/{prediction.pk}/photo/")

    assert response.status_code == 503
    assert "exiftool" in response.json()["detail"]
    assert (media_root / prediction.image.name).read_bytes() == before


def test_it_never_changes_the_stored_photo(client, stored, media_root):
    prediction = stored(faces=[NADAL])
    before = (media_root / prediction.image.name).read_bytes()

    client.get(f"/api/predictions/{prediction.pk}/photo/")

    assert (media_root / prediction.image.name).read_bytes() == before


def test_the_result_page_offers_the_download(client, stored):
    prediction = stored(original_name="bench.jpg", faces=[NADAL])

    page = client.get(f"/predictions/{prediction.pk}/").content.decode()

    assert f'href="/api/predictions/{prediction.pk}/photo/"' in page
    assert 'download="bench-athletes.jpg"' in page


def test_tagged_downloads_and_exports_are_throttled_per_visitor(client, stored, settings):
    settings.ATHLETES_TAGGING_RATE = "2/min"
    prediction = stored(faces=[NADAL])
    event = Event.objects.create(name="Final", date=date(2026, 6, 7), open=True)
    url = f"/api/predictions/{prediction.pk}/photo/"

    answers = [client.get(url).status_code, client.get(url).status_code]
    refused = [client.get(url), client.get(f"/api/events/{event.pk}/export/")]

    assert answers == [200, 200]
    assert [response.status_code for response in refused] == [429, 429]
    assert 0 < int(refused[0]["Retry-After"]) <= 61


def test_asking_again_for_an_export_being_prepared_counts_no_more(client, stored, settings):
    """Only a new export may start exiftool: a client polling as Retry-After tells it, or the
    export's page, is never refused for it; a second new export past the limit is, from the
    API and from the page alike."""
    settings.ATHLETES_TAGGING_RATE = "1/min"
    final = Event.objects.create(name="Final", date=date(2026, 6, 7), open=True)
    semi = Event.objects.create(name="Semi-final", date=date(2026, 6, 5), open=True)
    stored(faces=[NADAL], event=final)
    stored(faces=[NADAL], event=semi)

    polls = [client.get(f"/api/events/{final.pk}/export/").status_code for _ in range(5)]
    page = client.get(f"/events/{final.pk}/export/")
    refused = [
        client.get(f"/api/events/{semi.pk}/export/"),
        client.get(f"/events/{semi.pk}/export/"),
    ]

    assert polls == [202] * 5 and page.status_code == 302
    assert [response.status_code for response in refused] == [429, 429]
    assert "Try again in" in refused[1].content.decode() and refused[1]["Retry-After"]


def test_exiftool_runs_wait_for_a_free_slot_or_answer_busy(
    client, stored, settings, monkeypatch, tmp_path
):
    settings.ATHLETES_EXIFTOOL_PROCESSES = 1
    settings.VAR_DIR = tmp_path  # its own slots: other test processes' exiftool runs hold none
    monkeypatch.setattr(photo_tags, "DOWNLOAD_WAIT_SECONDS", 0.3)
    prediction = stored(faces=[NADAL])
    url = f"/api/predictions/{prediction.pk}/photo/"

    with photo_tags.exiftool_slot(0):  # another download is running exiftool
        busy = client.get(url)
    free = client.get(url)

    assert busy.status_code == 503
    assert "try again shortly" in busy.json()["detail"]
    assert busy["Retry-After"] == "10"
    assert free.status_code == 200


def test_the_tagged_copy_is_kept_per_photo_and_tags(
    client, stored, staff, monkeypatch, media_root, tmp_path, django_capture_on_commit_callbacks
):
    runs = []
    run = subprocess.run

    def counted(command, *args, **kwargs):
        runs.extend(part for part in command if str(part).startswith("-json="))
        return run(command, *args, **kwargs)

    monkeypatch.setattr(photo_tags.subprocess, "run", counted)
    prediction = stored(faces=[NADAL, JAMES])
    url = f"/api/predictions/{prediction.pk}/photo/"

    first, again = client.get(url), client.get(url)

    assert len(runs) == 1  # exiftool ran once for the two downloads
    assert first.content == again.content
    # A review changes what the photo says: written again, and only the new copy is kept.
    prediction.faces.get(position=1).record_review(staff, "correct", "unknown")
    reviewed = client.get(url)
    assert len(runs) == 2
    assert read_tags(reviewed.content, tmp_path)["XMP-iptcExt:PersonInImage"] == ["Rafael Nadal"]
    folder = media_root / prediction.tagged_folder
    assert len(list(folder.iterdir())) == 1
    # Deleting the photo deletes its tagged copy.
    with django_capture_on_commit_callbacks(execute=True):
        prediction.delete()
    assert not list(folder.iterdir())
