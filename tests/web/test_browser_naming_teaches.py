"""In Chromium, against the live site, a real worker and the real model: naming teaches. Three
photos of someone the model does not know, uploaded one by one, make one group on People;
staff name it, train a model with no example photo of the person, activate it, and a new
photo of them is named, or flagged with their name. The photos are dlib's Johns
(``sample_people``), whom the sample model does not know."""

import pytest
from playwright.sync_api import expect

from classifier.models import Face, ModelVersion, Prediction
from ml.sample_people import sample_people_names
from tests.web.browser import axe_violations
from tests.web.conftest import grouped, photos_of
from tests.web.test_browser import sign_in
from tests.web.test_browser_enrol import TRAINING_MS, upload
from tests.web.test_browser_people import uploaded

pytestmark = pytest.mark.browser

# Not the first John, whom test_browser_enrol enrols from example photos.
PERSON = sorted(sample_people_names())[2]
NAME = sample_people_names()[PERSON]


def test_a_person_named_on_people_is_learnt_and_a_new_photo_of_them_is_recognised(
    page, live_server, active_model, worker, staff, sample_people
):
    photos = photos_of(sample_people, PERSON)
    named, new_photo = photos[:3], photos[3]
    sign_in(page, live_server, staff)
    for photo in named:  # one upload each, as the desk sends them
        page.goto(live_server.url)
        page.set_input_files("input[type=file]", str(photo))
        page.locator("#uploads .card .badge-done").wait_for()
    predictions = uploaded([photo.name for photo in named], worker)
    faces = [grouped(largest(prediction.faces.all()), worker) for prediction in predictions]
    assert {face.label for face in faces} == {"unknown"}
    (person,) = {face.person_id for face in faces}

    # People shows them as one group; staff name it after a new athlete.
    page.click("nav >> text=People")
    group = page.locator(f"form[data-person]:has(input[name=person][value='{person}'])")
    assert group.locator("[data-count]").inner_text() == "3"
    group.locator("input[name=name]").fill(NAME)
    group.locator("button:has-text('Name this person')").click()
    expect(page.locator(".message.success")).to_have_text(
        f"3 faces are now {NAME}: the next model trained learns them."
    )
    expect(page.locator("[data-shortfall]")).to_have_count(0)

    # Athletes counts the three faces, and no page says they are too few.
    page.click("nav >> text=Athletes")
    expect(page.locator(f"tr[data-athlete={PERSON}] [data-faces]")).to_have_text("3")
    assert axe_violations(page) == []

    # Train with no example photo of them, and activate.
    page.click("nav >> text=Models")
    expect(page.locator("[data-shortfall]")).to_have_count(0)
    page.click("button:has-text('Train a new model')")
    trained = ModelVersion.objects.get(status=ModelVersion.Status.TRAINING)
    section = page.locator(f"section.model[data-version='{trained.version}']")
    expect(section).not_to_have_attribute("data-status", "training", timeout=TRAINING_MS)
    trained.refresh_from_db()
    assert trained.status == "ready", (trained.error, worker.log.read_text()[-3000:])
    manifest = trained.artifact_manifest
    assert PERSON in trained.labels and manifest.left_out == {}
    assert (manifest.training_counts[PERSON], manifest.reviewed_counts[PERSON]) == (0, 3)
    expect(section).to_contain_text(f"{NAME} (0 photos, 3 reviewed faces)")
    section.locator(f"button:has-text('Activate {trained.version}')").click()
    expect(page.locator(".message.success")).to_contain_text(f"{trained.version} is active")

    # A new photo of them is named, or flagged with their name.
    recognised: Prediction = upload(page, live_server, new_photo)
    assert recognised.model_version == trained
    face = largest(recognised.faces.all())
    assert face.candidate == PERSON, (face.label, face.candidate, face.score)
    assert face.label == PERSON or face.needs_review
    expect(page.locator("h1.answer")).to_have_text(
        [NAME] if face.label == PERSON else [f"Possibly {NAME}, needs review"]
    )

    # An athlete with no face yet: Models says the next training leaves them out, and one
    # click leads to adding their photos.
    page.click("nav >> text=Athletes")
    page.fill("#id_display_name", "Kawhi Leonard")
    page.click("button:has-text('Add athlete')")
    page.click("nav >> text=Models")
    short = page.locator("[data-shortfall] [data-short=kawhi_leonard]")
    expect(short).to_contain_text(
        "Kawhi Leonard has no face; training needs 2, so the next model leaves them out."
    )
    assert axe_violations(page) == []
    short.locator("a:has-text('Add photos of Kawhi Leonard')").click()
    expect(page.locator("input[name=images]")).to_be_visible()


def largest(faces) -> Face:
    """The person a photo of the Johns is of: its largest face (others stand behind)."""
    return max(faces, key=lambda face: face.width * face.height)
