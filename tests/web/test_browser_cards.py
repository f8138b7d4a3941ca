"""Result cards and the result page: the file name stays, portraits are not cropped and a
percentage never wraps (on a desktop and a phone), "No face found" has no confidence, and an
athlete has one confidence per page."""

import re

import pytest

from classifier.models import Face, Prediction
from ml.results import FaceResult
from tests.web.browser import axe_violations, on_desktop_and_phone, sign_in_as
from tests.web.conftest import jpeg_bytes

pytestmark = pytest.mark.browser

PERCENT = re.compile(r"\d+(?:\.\d)?%")
NADAL_FACE = {
    "box": [4, 4, 20, 20],
    "label": "rafael_nadal",
    "candidate": "rafael_nadal",
    "score": 0.8774,
    "needs_review": False,
    "detection_confidence": 0.99,
}


@pytest.fixture
def store(media_root):
    """Write a real JPEG under a storage name, so pages show real images."""

    def write(name: str, size=(64, 48)) -> str:
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(jpeg_bytes(size))
        return name

    return write


def test_it_keeps_the_file_name_on_a_card_once_its_result_arrives(
    page, live_server, model_version, sent_tasks, sample_data
):
    page.goto(live_server.url)
    photo = sample_data / "rafael_nadal" / "nadal(3).jpg"
    page.set_input_files("input[type=file]", str(photo))
    page.locator("#uploads .badge-queued").wait_for()

    prediction = Prediction.objects.get(original_name="nadal(3).jpg")
    Prediction.objects.filter(pk=prediction.pk).update(  # as the worker finishes it
        status="done", label="rafael_nadal", confidence=0.8774,
        annotated=prediction.thumbnail.name,
    )  # fmt: skip
    card = page.locator("#uploads .card")
    card.locator(".badge-done").wait_for()

    assert card.locator(".card-title").inner_text() == "Rafael Nadal"
    assert card.locator(".card-file").inner_text() == "nadal(3).jpg"
    assert PERCENT.findall(card.inner_text()) == ["87.7%"]


def test_a_live_card_says_a_flagged_photo_needs_review_as_history_does(
    page, live_server, model_version, sent_tasks, sample_data
):
    page.goto(live_server.url)
    photo = sample_data / "lebron_james" / "james(2).jpg"
    page.set_input_files("input[type=file]", str(photo))
    page.locator("#uploads .badge-queued").wait_for()

    prediction = Prediction.objects.get(original_name="james(2).jpg")
    flagged = FaceResult((4, 4, 20, 20), "unknown", "lebron_james", 0.62, True, 0.99)
    Face.from_result(prediction, 0, flagged, None).save()
    Prediction.objects.filter(pk=prediction.pk).update(  # as the worker finishes it
        status="done", label="unknown", confidence=0.62, annotated=prediction.thumbnail.name
    )
    card = page.locator("#uploads .card")
    card.locator(".badge-done").wait_for()

    assert card.locator(".card-title").inner_text() == "Possibly LeBron James, needs review"
    assert PERCENT.findall(card.inner_text()) == []
    page.goto(f"{live_server.url}/predictions/")
    history = page.locator(".card .card-title").first.inner_text()
    assert history == "Possibly LeBron James, needs review"


@on_desktop_and_phone
def test_it_shows_a_portrait_whole_and_each_percentage_on_one_line(
    page, live_server, make_prediction, store, client, staff
):
    store("thumbs/2026/01/portrait.jpg", size=(120, 320))
    make_prediction(thumbnail="thumbs/2026/01/portrait.jpg", confidence=0.8774, faces=[NADAL_FACE])
    sign_in_as(page, client, staff, live_server.url)

    page.goto(f"{live_server.url}/predictions/")

    image = page.locator(".card img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth", arg=image.element_handle())
    assert image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [120, 320]
    assert image.evaluate("(img) => getComputedStyle(img).objectFit") == "contain"
    lines = page.evaluate(
        "() => [...document.querySelectorAll('.nowrap')].map((e) => e.getClientRects().length)"
    )
    assert lines and set(lines) == {1}, lines


def test_it_shows_no_confidence_when_no_face_was_found(
    page, live_server, make_prediction, client, staff
):
    prediction = make_prediction(label="no_face", confidence=1.0, faces=[])
    sign_in_as(page, client, staff, live_server.url)

    page.goto(f"{live_server.url}/predictions/")
    assert page.locator(".card-title").inner_text() == "No face found"
    assert PERCENT.findall(page.inner_text(".cards")) == []
    page.goto(f"{live_server.url}/predictions/{prediction.pk}/")
    assert PERCENT.findall(page.inner_text("main")) == []
    assert "confident" not in page.inner_text("main")


def test_it_gives_an_athlete_one_confidence_per_page(page, live_server, make_prediction, store):
    store("annotated/2026/01/nadal.jpg", size=(400, 300))
    prediction = make_prediction(
        annotated="annotated/2026/01/nadal.jpg",
        confidence=0.8774,
        faces=[NADAL_FACE],
    )

    page.goto(f"{live_server.url}/predictions/{prediction.pk}/")

    assert set(PERCENT.findall(page.inner_text("main"))) == {"87.7%"}
    assert axe_violations(page) == []
