"""In Chromium, against the live site, a real worker and a real model: the newsroom loop of
issue 11. A desk editor uploads a group photo with a stranger in it; staff add that person as a
third athlete from five photos, a reviewer names the stranger's face, a new model is trained,
compared and activated, and a new photo of the athlete is named. The correction shows on the
card, the result page, the API and the history filter. The manual's enrolment and model
screenshots come from here."""

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from classifier.models import Athlete, Example, ModelVersion, Prediction
from ml.sample_people import sample_people_names
from tests.web.browser import axe_violations, screenshot
from tests.web.conftest import photos_of
from tests.web.test_browser import sign_in
from tests.web.test_browser_desk import side_by_side

pytestmark = pytest.mark.browser

TRAINING_MS = 600_000
DETECTING_MS = 120_000
# The first of the five people of ``sample_people`` (dlib's Johns), whom the sample model
# does not know.
THIRD = sorted(sample_people_names())[0]
THIRD_NAME = sample_people_names()[THIRD]


@pytest.fixture
def third_athlete_photos(sample_people: Path) -> list[Path]:
    """Photos of a person the sample model does not know: five to enrol, one for a new upload
    and one for the group photo."""
    photos = photos_of(sample_people, THIRD)
    if len(photos) < 7:
        pytest.fail(f"{THIRD} has {len(photos)} photos in {sample_people}; this test needs 7.")
    return photos


def upload(page, live_server, photo: Path) -> Prediction:
    """Upload one photo from the home page and open its result once the worker is done."""
    page.goto(live_server.url)
    page.set_input_files("input[type=file]", str(photo))
    page.locator("#uploads .card .badge-done").wait_for()
    page.locator("#uploads .card a").first.click()
    page.wait_for_selector("h1.answer")
    return Prediction.objects.get(original_name=photo.name)


def third_athletes_face(prediction: Prediction, left_width: int):
    """The largest face of the group photo's right half, where the third athlete stands."""
    right = [face for face in prediction.faces.all() if face.x >= left_width]
    return max(right, key=lambda face: face.width * face.height)


def test_a_third_athlete_enrolled_in_the_browser_is_named_and_a_correction_shows_everywhere(
    page, live_server, active_model, worker, staff, sample_data, third_athlete_photos, tmp_path
):
    for label, name in active_model.manifest["display_names"].items():
        Athlete.objects.get_or_create(label=label, defaults={"display_name": name})
    enrol, new_photo, in_group = (
        third_athlete_photos[:5],
        third_athlete_photos[5],
        third_athlete_photos[-1],
    )
    lebron = sample_data / "lebron_james" / "james(5).jpg"
    group_photo = side_by_side(lebron, in_group, tmp_path / "doubles.jpg")
    sign_in(page, live_server, staff)

    # A desk editor's group photo: LeBron James beside someone the model does not know yet.
    group = upload(page, live_server, group_photo)
    assert group.status == "done" and group.faces.count() >= 2, list(group.faces.values())

    # Add the athlete and five photos at once; the worker finds the faces.
    page.click("nav >> text=Athletes")
    page.fill("#id_display_name", THIRD_NAME)
    page.fill("#id_team", "Visitors")
    page.click("button:has-text('Add athlete')")
    page.wait_for_url(f"{live_server.url}/athletes/{THIRD}/examples/")
    page.set_input_files("input[name=images]", [str(path) for path in enrol])
    page.click("button:has-text('Add photos')")
    ready = page.locator("li.example[data-status=ready]")
    expect(ready).to_have_count(5, timeout=DETECTING_MS)
    examples = Example.objects.filter(athlete__label=THIRD)
    assert [(e.status, e.chosen_id is not None) for e in examples] == [("ready", True)] * 5
    assert page.locator(".face-choice.is-chosen, .card-body:has-text('One face')").count() == 5

    # A reviewer names the stranger's face in the group photo.
    face = third_athletes_face(group, width_of(lebron))
    page.goto(f"{live_server.url}/review/?photo={group.pk}")
    while int(page.input_value("[data-face-id]")) != face.pk:
        page.click("[data-skip]")
    page.fill("[data-name]", THIRD_NAME)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.review').dataset.saved === '1'")
    face.refresh_from_db()
    assert (face.review.verdict, face.review.label) == ("correct", THIRD)

    # The correction shows on the card, the result page, the API and the history filter.
    page.goto(f"{live_server.url}/predictions/?athlete={THIRD}")
    card = page.locator(".card", has_text=THIRD_NAME)
    expect(card).to_have_count(1)
    expect(card.locator(".badge-reviewed")).to_be_visible()
    page.goto(f"{live_server.url}/predictions/?athlete=rafael_nadal")
    expect(page.locator(".card", has_text=THIRD_NAME)).to_have_count(0)
    page.goto(f"{live_server.url}/predictions/{group.pk}/")
    expect(page.locator("h1.answer")).to_have_text(THIRD_NAME)
    row = page.locator("table.faces tbody tr", has_text=THIRD_NAME)
    expect(row.locator(".badge-reviewed")).to_be_visible()
    body = page.request.get(f"{live_server.url}/api/predictions/{group.pk}/").json()
    assert body["label"] == THIRD
    reviewed = [each for each in body["faces"] if each["id"] == face.pk]
    assert reviewed and reviewed[0]["label"] == THIRD and reviewed[0]["review"] is not None

    # Train a new model in the worker, following its progress, and compare it.
    page.click("nav >> text=Models")
    page.click("button:has-text('Train a new model')")
    trained = ModelVersion.objects.get(status=ModelVersion.Status.TRAINING)
    section = page.locator(f"section.model[data-version='{trained.version}']")
    expect(section).not_to_have_attribute("data-status", "training", timeout=TRAINING_MS)
    trained.refresh_from_db()
    assert trained.status == "ready", (trained.error, worker.log.read_text()[-3000:])
    assert THIRD in trained.labels and trained.manifest["training_counts"][THIRD] == 5
    comparison = section.locator("[data-comparison]")
    expect(comparison).to_contain_text(f"Against the active version {active_model.version}")
    print(comparison.inner_text())
    section.locator("details.quality summary").click()
    chart = section.locator("details.quality img").first
    assert chart.evaluate("img => img.decode().then(() => img.naturalWidth)") > 100
    assert axe_violations(page) == []
    screenshot(page, "models-desktop")

    # Activate it in one click, and a new photo of the athlete is named.
    section.locator(f"button:has-text('Activate {trained.version}')").click()
    expect(page.locator(".message.success")).to_contain_text(f"{trained.version} is active")
    assert ModelVersion.objects.active() == trained
    named = upload(page, live_server, new_photo)
    assert named.model_version == trained
    answer = page.inner_text("h1.answer")  # checked last, after every other step

    # And back to the earlier version in one click.
    page.click("nav >> text=Models")
    page.click(f"button:has-text('Roll back to {active_model.version}')")
    expect(page.locator(".message.success")).to_contain_text("Rolled back")
    assert ModelVersion.objects.active() == active_model

    # The group photo's face, from the review queue, as a sixth example; choose another face
    # of it and back on the athlete's page, then remove it.
    page.goto(f"{live_server.url}/review/?face={face.pk}")
    page.select_option("[data-example-form] select", label=THIRD_NAME)
    page.click("[data-example-form] button")
    expect(page.locator(".message.success")).to_contain_text(f"example of {THIRD_NAME}")
    from_history = Example.objects.get(source_face=face)
    assert from_history.chosen.box == (face.x, face.y, face.width, face.height)
    page.goto(f"{live_server.url}/athletes/{THIRD}/examples/")
    card = page.locator(f"li.example[data-example='{from_history.pk}']")
    assert axe_violations(page) == []
    screenshot(page, "enrol-desktop")
    other = card.locator(".face-choice:not(.is-chosen)").first
    number = other.get_attribute("data-face")
    other.click()
    expect(card.locator(f".face-choice[data-face='{number}']")).to_have_attribute(
        "aria-pressed", "true"
    )
    from_history.refresh_from_db()
    assert from_history.chosen.position == int(number) - 1
    card.locator("button:has-text('Remove')").click()
    expect(page.locator("li.example")).to_have_count(5)
    assert not Example.objects.filter(pk=from_history.pk).exists()

    # The new photo named the athlete, surely: its faces and the athlete's lines say why not.
    faces = [(f.label, f.candidate, round(f.score, 3), f.needs_review) for f in named.faces.all()]
    lines = trained.manifest["lines"][THIRD]
    assert (named.label, answer) == (THIRD, THIRD_NAME), (new_photo.name, faces, lines)


def width_of(path: Path) -> int:
    with Image.open(path) as image:
        return image.width
