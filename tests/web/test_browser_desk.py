"""In Chromium, against the live site and a real worker: a photo desk's day. An editor creates an
event with its roster in the admin, uploads a group photo into it keeping where it was taken,
and downloads it with the names and the position written in, never the camera's serial number;
exiftool reads them back."""

import json
import shutil
import subprocess

import pytest
from PIL import Image

from classifier.models import Athlete, Event, Prediction, Team
from tests.web.test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool"),
]


READ_BACK = ["-PersonInImage", "-RegionInfo", "-GPS:all", "-SerialNumber"]


def side_by_side(left, right, out):
    """One photo of two athletes: the two sample photos next to each other."""
    first, second = Image.open(left).convert("RGB"), Image.open(right).convert("RGB")
    group = Image.new("RGB", (first.width + second.width, max(first.height, second.height)))
    group.paste(first, (0, 0))
    group.paste(second, (first.width, 0))
    group.save(out, "JPEG", quality=92)
    return out


def test_an_event_upload_downloads_with_its_names_in_the_file(
    page,
    live_server,
    active_model,
    worker,
    sample_data,
    staff,
    tmp_path,
):
    for label, name in active_model.manifest["display_names"].items():
        Athlete.objects.get_or_create(label=label, defaults={"display_name": name})
    spain = Team.objects.create(name="Spain")
    spain.athletes.add(Athlete.objects.get(label="rafael_nadal"))
    group = side_by_side(
        sample_data / "rafael_nadal" / "nadal(3).jpg",
        sample_data / "lebron_james" / "james(5).jpg",
        tmp_path / "exhibition.jpg",
    )
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-GPSLatitude=48.8584", "-GPSLatitudeRef=N",
         "-SerialNumber=SN-4711", str(group)],
        check=True,
    )  # fmt: skip

    # The roster: a team (Nadal's) and one athlete chosen by hand.
    sign_in(page, live_server, staff)
    page.goto(f"{live_server.url}/admin/classifier/event/add/")
    page.fill("#id_name", "Exhibition")
    page.fill("#id_date", "2026-06-07")
    page.select_option("#id_teams_from", label="Spain")
    page.click("#id_teams_add")
    page.select_option("#id_athletes_from", label="LeBron James")
    page.click("#id_athletes_add")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    event = Event.objects.get(name="Exhibition")
    assert event.roster() == {"rafael_nadal", "lebron_james"}

    page.goto(live_server.url)
    page.select_option("#event", label="Exhibition (2026-06-07)")
    page.check("text=Keep where the photo was taken (GPS) in downloads")
    page.set_input_files("input[type=file]", str(group))
    page.locator("#uploads .card .badge-done").wait_for()
    page.locator("#uploads .card a").first.click()
    page.wait_for_selector("h1.answer")
    prediction = Prediction.objects.get(original_name="exhibition.jpg")
    assert (prediction.event, prediction.status) == (event, "done")

    with page.expect_download() as download:
        page.click("text=Download with names")
    assert download.value.suggested_filename == "exhibition-athletes.jpg"
    saved = tmp_path / "downloaded.jpg"
    download.value.save_as(saved)
    tags = json.loads(
        subprocess.run(
            ["exiftool", "-j", "-struct", "-n", *READ_BACK, str(saved)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout  # fmt: skip
    )[0]
    assert sorted(tags["PersonInImage"]) == ["LeBron James", "Rafael Nadal"]
    assert (tags["GPSLatitude"], tags["GPSLatitudeRef"]) == (48.8584, "N")
    assert "SerialNumber" not in tags
    regions = tags["RegionInfo"]["RegionList"]
    assert sorted(region["Name"] for region in regions) == ["LeBron James", "Rafael Nadal"]
    # Nadal's photo is the left part of the group, James's the right.
    by_name = {region["Name"]: region["Area"]["X"] for region in regions}
    assert by_name["Rafael Nadal"] < 0.5 < by_name["LeBron James"]
