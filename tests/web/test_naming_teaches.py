"""Naming teaches: a person named on People is enough for training to learn them, and where
they have too few faces, People, Athletes and Models say so, each with the link that fixes it.
(The training itself: ``tests/ml/test_training_from_embeddings.py``; the whole loop in
Chromium with a real worker: ``test_browser_naming_teaches.py``.)"""

import re

import pytest

from classifier.models import Athlete, ModelVersion
from classifier.models.readiness import faces_to_train
from tests.web.conftest import stored_manifest
from tests.web.test_people import direction, stranger

ADD_KAWHI = '<a href="/athletes/kawhi_leonard/examples/">Add photos of Kawhi Leonard</a>'
KAWHI_SHORT = "Kawhi Leonard has 1 face; training needs 2, so the next model leaves them out."


@pytest.fixture
def named(staff_client, make_prediction) -> dict[str, str]:
    """Three unknown faces of one person named Stephen Curry on People, and one face of
    another named Kawhi Leonard; what People said each time."""
    curry = [stranger(make_prediction, direction(0, w), f"c{n}.jpg") for n, w in
             enumerate([0, 0.1, 0.2])]  # fmt: skip
    kawhi = stranger(make_prediction, direction(30), "k.jpg")
    said = {}
    for faces, name in [(curry, "Stephen Curry"), ([kawhi], "Kawhi Leonard")]:
        body = {"person": faces[0].person_id, "faces": [face.pk for face in faces], "name": name}
        page = staff_client.post("/people/", body, follow=True).content.decode()
        said[name] = " ".join(re.findall(r'class="message success"[^>]*>([^<]*)<', page))
    return said


def test_named_faces_are_what_training_learns_an_athlete_from(named, athletes):
    faces = faces_to_train()

    assert faces["stephen_curry"] == 3 and faces["kawhi_leonard"] == 1
    assert faces["lebron_james"] >= 2  # the photos of the training folder
    assert (
        "3 faces are now Stephen Curry: the next model trained learns them."
        in named["Stephen Curry"]
    )
    assert f"1 face is now Kawhi Leonard. {KAWHI_SHORT}" in named["Kawhi Leonard"]


def test_people_says_who_has_too_few_faces_and_links_to_adding_photos(staff_client, named):
    page = staff_client.get("/people/").content.decode()

    section = page.split("data-shortfall", 1)[1].split("</section>", 1)[0]
    assert KAWHI_SHORT in section and ADD_KAWHI in section
    assert "Stephen Curry" not in section


def test_athletes_counts_the_faces_and_links_those_short_of_them(staff_client, named):
    page = staff_client.get("/athletes/").content.decode()

    rows = dict(re.findall(r'<tr data-athlete="(\w+)">(.*?)</tr>', page, re.S))
    assert 'data-faces="3">3</td>' in rows["stephen_curry"]
    assert "training needs" not in rows["stephen_curry"]
    assert (
        'data-faces="1">1: <span class="needs-review">training needs 2</span>'
        in rows["kawhi_leonard"]
    )
    assert ADD_KAWHI in rows["kawhi_leonard"]


def test_models_says_who_the_next_training_leaves_out_and_who_a_version_left_out(
    staff_client, named, athletes
):
    ModelVersion.objects.update(is_active=False)  # no comparison: v1 has no artifact here
    manifest = stored_manifest("v2", ["lebron_james", "rafael_nadal", "stephen_curry"])
    ModelVersion.objects.create(
        version="v2",
        path="v2",
        manifest={**manifest, "display_names": Athlete.objects.display_names(),
                  "training_counts": {"lebron_james": 30, "rafael_nadal": 28, "stephen_curry": 0},
                  "reviewed_counts": {"stephen_curry": 3}, "left_out": {"kawhi_leonard": 1}},
    )  # fmt: skip

    page = staff_client.get("/models/").content.decode()

    section = page.split("data-shortfall", 1)[1].split("</section>", 1)[0]
    assert KAWHI_SHORT in section and ADD_KAWHI in section
    assert "Stephen Curry (0 photos, 3 reviewed faces)" in page
    assert "<dd data-left-out>Kawhi Leonard (1 face; training needs 2)</dd>" in page


def test_a_page_without_anyone_short_says_nothing_of_it(staff_client, athletes):
    for path in ("/people/", "/models/", "/athletes/"):
        assert "data-shortfall" not in staff_client.get(path).content.decode()
