"""The photo's page, the cards and the drawn-in photo tell the same truth: a flagged photo says
so everywhere, the review line sums up every face, a reviewed answer shows "reviewed" rather
than the model's percentage, faces are numbered left to right, pages and drawings share their
colours and number format, and the technical details are folded away."""

import re

import pytest
from django.conf import settings
from django.test import Client

from classifier.models import FaceReview
from classifier.templatetags.classifier_tags import percent
from ml import annotate
from ml.results import FaceResult
from tests.web.test_review_queue import SURE, UNSURE

SITE_CSS = settings.BASE_DIR / "static" / "css" / "site.css"


def face(x: int, **fields) -> dict:
    return {**SURE, "box": [x, 4, 10, 10], **fields}


def html(client, prediction) -> str:
    return client.get(f"/predictions/{prediction.pk}/").content.decode()


def test_the_review_line_sums_up_every_face(staff_client, make_prediction, staff):
    prediction = make_prediction(faces=[face(2), face(20), {**UNSURE, "box": [40, 4, 10, 10]}])
    first, second, _ = prediction.faces.order_by("position")
    first.record_review(staff, FaceReview.Verdict.CONFIRM)
    second.record_review(staff, FaceReview.Verdict.CORRECT, "unknown")

    page = html(staff_client, prediction)

    assert "2 of 3 faces reviewed (1 confirmed, 1 corrected); 1 needs review" in page
    assert 'title="2 of 3 faces reviewed' in staff_client.get("/predictions/").content.decode()


def test_a_reviewed_answer_shows_reviewed_not_the_models_percentage(
    staff_client, make_prediction, staff
):
    prediction = make_prediction(faces=[face(2, score=0.591)], confidence=0.591)
    prediction.faces.get().record_review(staff, FaceReview.Verdict.CONFIRM)

    page = html(Client(), prediction)  # as anyone with the link (staff see the model's too)
    cards = staff_client.get("/predictions/").content.decode()

    assert "59.1%" not in page and "confident" not in page
    assert "The face reviewed (1 confirmed)" in page
    assert "59.1%" not in cards and "badge-reviewed" in cards


def test_an_unreviewed_answer_keeps_its_percentage(staff_client, make_prediction):
    prediction = make_prediction(faces=[face(2, score=0.874)], confidence=0.874)

    assert "87.4% confident" in html(staff_client, prediction)


def test_faces_are_numbered_left_to_right(staff_client, make_prediction):
    # The model gave them by size: the rightmost first.
    prediction = make_prediction(
        faces=[face(50, label="lebron_james", candidate="lebron_james"), face(2)]
    )

    page = html(staff_client, prediction)
    rows = re.findall(r'<tr id="face-(\d)".*?<a href="/athletes/(\w+)/"', page, re.S)

    assert rows == [("1", "rafael_nadal"), ("2", "lebron_james")]
    drawn = annotate.left_to_right([FaceResult(**{**f, "box": tuple(f["box"]),
                                                  "detection_confidence": 1.0})
                                    for f in (face(50), face(2))])  # fmt: skip
    assert drawn == [2, 1]


def test_the_technical_details_are_folded_away(staff_client, make_prediction):
    page = html(staff_client, make_prediction())

    details = page[page.index('<details class="technical">') : page.index("</details>")]
    assert "SHA-256" in details and "Model version" in details
    assert "SHA-256" not in page.replace(details, "")


def test_the_api_says_who_a_flagged_photo_possibly_is(client, make_prediction):
    prediction = make_prediction(faces=[UNSURE], label="unknown")

    body = client.get(f"/api/predictions/{prediction.pk}/").json()

    assert (body["label"], body["possibly"]) == ("unknown", "lebron_james")


def css_colour(name: str) -> tuple[int, int, int]:
    css = SITE_CSS.read_text()
    value = re.search(rf"--{name}:\s*#([0-9a-fA-F]{{6}})", css).group(1)
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def test_drawings_use_the_pages_colours_and_number_format():
    assert css_colour("face-named") == annotate.NAMED_COLOUR
    assert css_colour("face-review") == annotate.REVIEW_COLOUR
    assert css_colour("muted") == annotate.UNKNOWN_COLOUR
    names = {"lebron_james": "LeBron James"}

    def drawn(**fields) -> str:
        result = FaceResult(**{**UNSURE, "box": (0, 0, 1, 1), "detection_confidence": 1.0,
                               **fields})  # fmt: skip
        return annotate.caption(result, names)[0]

    assert drawn(label="lebron_james", score=0.7991) == f"LeBron James {percent(0.7991)}"
    assert percent(0.7991) == "79.9%"
    assert drawn() == "Possibly LeBron James, 55.0%"
    assert drawn(needs_review=False) == "Unknown person"


@pytest.mark.parametrize("reviewed_label", ["lebron_james", "unknown"])
def test_a_reviewed_face_is_drawn_without_a_score(reviewed_label):
    result = FaceResult((0, 0, 1, 1), reviewed_label, "lebron_james", 0.55, False, 1.0)

    text, _ = annotate.caption(result, {"lebron_james": "LeBron James"}, reviewed=True)

    assert "%" not in text and text.endswith(", reviewed")
