"""In Chromium, against the live site, a real worker and the real model: three photos of a
stranger, uploaded one after another, show up as one person seen but not known; staff name
them, and the person is enrolled. The photos are the dev set's ``others/`` (``strangers``:
uploaded and reviewed here, never trained on)."""

import time

import pytest

from classifier.models import Athlete, Face, Prediction
from tests.web.browser import axe_violations
from tests.web.conftest import wait_until_finished
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser

STRANGER, NAME, LABEL = "andre_agassi", "Andre Agassi", "andre_agassi"
SOMEONE_ELSE = "yao_ming"
UPLOAD_SECONDS = 120


def uploaded(names: list[str], worker) -> list[Prediction]:
    """The predictions of these uploads once the worker has finished them all."""
    deadline = time.monotonic() + UPLOAD_SECONDS
    while Prediction.objects.filter(original_name__in=names).count() < len(names):
        if time.monotonic() > deadline:
            pytest.fail(f"Uploads missing. Worker log:\n{worker.log.read_text()}")
        time.sleep(0.2)
    return [
        wait_until_finished(prediction, worker)
        for prediction in Prediction.objects.filter(original_name__in=names)
    ]


def test_naming_a_group_of_unknown_faces_enrols_the_person(
    page,
    live_server,
    active_model,
    worker,
    strangers,
    staff,
    client,
):
    stranger = sorted((strangers / STRANGER).iterdir())
    someone_else = sorted((strangers / SOMEONE_ELSE).iterdir())[0]
    sign_in(page, live_server, staff)
    for photo in [*stranger, someone_else]:  # one upload each, as the desk sends them
        page.goto(live_server.url)
        page.set_input_files("input[type=file]", str(photo))
        page.locator("#uploads .card .badge-done").wait_for()
    photos = uploaded([photo.name for photo in stranger], worker)
    assert all(prediction.label == "unknown" for prediction in photos)
    faces = Face.objects.filter(prediction__in=photos)
    assert faces.count() == 3

    page.goto(live_server.url)
    page.click("nav >> text=People")
    page.wait_for_selector("h1:has-text('People seen but not known')")
    group = page.locator("[data-person]")
    assert group.count() == 1  # the other stranger's one face is not a group
    assert group.locator("[data-count]").inner_text() == "3"
    ticked = group.locator("input[data-face]:checked")
    assert sorted(int(box.get_attribute("value")) for box in ticked.all()) == sorted(
        face.pk for face in faces
    )
    for photo in stranger:
        assert group.locator(f"a:has-text('{photo.name}')").count() == 1
    assert axe_violations(page) == []

    group.locator("input[name=name]").fill(NAME)
    group.locator("button:has-text('Name this person')").click()
    page.wait_for_selector(f".message.success:has-text('3 faces are now {NAME}: the next')")
    assert page.locator("[data-person]").count() == 0

    athlete = Athlete.objects.get(label=LABEL)
    assert athlete.display_name == NAME
    assert {face.review.label for face in Face.objects.filter(prediction__in=photos)} == {LABEL}
    assert {face.review.reviewer for face in Face.objects.filter(prediction__in=photos)} == {staff}

    # The cards say who it is now, the athlete's page and the API list the photos.
    page.goto(f"{live_server.url}/predictions/?athlete={LABEL}")
    titles = page.locator(".card .card-title").all_inner_texts()
    assert [title.strip() for title in titles] == [NAME] * 3
    page.goto(f"{live_server.url}/athletes/{LABEL}/")
    assert page.locator(".card").count() == 3
    client.force_login(staff)
    listed = client.get("/api/predictions/", {"athlete": LABEL}).json()["results"]
    assert sorted(item["original_name"] for item in listed) == sorted(p.name for p in stranger)
    assert {face["label"] for item in listed for face in item["faces"]} == {LABEL}
