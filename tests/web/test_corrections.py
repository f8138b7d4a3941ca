"""Corrections are the truth everywhere: the card, the result page, the API and the history
filters show the reviewed answer, marked as reviewed; staff still see what the model said.
An unknown face shows no athlete percentage; an uncertain one reads "Possibly X"."""

import pytest

from classifier.models import Face

NADAL = {"box": [4, 5, 20, 21], "label": "rafael_nadal", "candidate": "rafael_nadal",
         "score": 0.956, "needs_review": False}  # fmt: skip
UNSURE = {"box": [4, 5, 20, 21], "label": "unknown", "candidate": "lebron_james",
          "score": 0.55, "needs_review": True}  # fmt: skip


@pytest.fixture
def corrected(make_prediction, staff):
    """Nadal 95.6% by the model, then a reviewer said it is LeBron James."""
    prediction = make_prediction(original_name="serve.jpg", faces=[NADAL], confidence=0.956)
    prediction.faces.get().record_review(staff, "correct", "lebron_james")
    return prediction


def test_the_card_shows_the_correction_marked_as_reviewed(client, corrected, staff):
    client.force_login(staff)

    html = client.get("/predictions/").content.decode()

    card = html[html.index('class="card"') :]
    assert "LeBron James" in card and "Rafael Nadal" not in card
    assert "95.6%" not in card  # the model's score was for Nadal
    assert "badge-reviewed" in card


def test_the_result_page_shows_the_correction_and_hides_the_models_answer_from_the_public(
    client, corrected
):
    html = client.get(f"/predictions/{corrected.pk}/").content.decode()

    assert '<h1 class="answer">LeBron James</h1>' in html
    assert "Rafael Nadal" not in html
    assert "The face reviewed (1 corrected)" in html
    assert "95.6%" not in html


def test_staff_see_the_models_original_answer(client, corrected, staff):
    client.force_login(staff)

    html = client.get(f"/predictions/{corrected.pk}/").content.decode()

    assert "Model&#x27;s answer" in html or "Model's answer" in html
    assert "Rafael Nadal (95.6%); corrected by staff" in html


def test_the_api_gives_the_correction_and_staff_the_models_answer(client, corrected, staff):
    url = f"/api/predictions/{corrected.pk}/"

    public = client.get(url).json()
    client.force_login(staff)
    staff_view = client.get(url).json()

    assert (public["label"], public["reviewed"], public["needs_review"]) == (
        "lebron_james",
        True,
        False,
    )
    assert public["faces"][0]["label"] == "lebron_james"
    assert "model_label" not in public["faces"][0]["review"]
    assert staff_view["faces"][0]["review"]["model_label"] == "rafael_nadal"


@pytest.mark.db_engine  # filters over reviews: Exists() and joins
def test_the_filters_find_the_photo_by_its_corrected_answer(client, corrected, staff):
    client.force_login(staff)

    by_new = client.get("/api/predictions/", {"label": "lebron_james"}).json()["results"]
    by_old = client.get("/api/predictions/", {"label": "rafael_nadal"}).json()["results"]
    page = client.get("/predictions/", {"label": "lebron_james", "reviewed": "true"})

    assert [item["id"] for item in by_new] == [str(corrected.pk)]
    assert by_old == []
    assert [p.pk for p in page.context["page"].object_list] == [corrected.pk]


@pytest.mark.db_engine  # Exists() over faces
def test_the_needs_review_filter_finds_undecided_faces_only(client, make_prediction, staff):
    make_prediction(original_name="waiting.jpg", faces=[UNSURE], label="unknown")
    decided = make_prediction(original_name="decided.jpg", faces=[UNSURE], label="unknown")
    make_prediction(original_name="sure.jpg", faces=[NADAL])
    decided.faces.get().record_review(staff, "confirm")
    client.force_login(staff)

    flagged = client.get("/api/predictions/", {"needs_review": "true"}).json()["results"]
    page = client.get("/predictions/", {"needs_review": "false"})

    assert [item["original_name"] for item in flagged] == ["waiting.jpg"]
    assert flagged[0]["needs_review"] is True
    assert {p.original_name for p in page.context["page"].object_list} == {
        "decided.jpg",
        "sure.jpg",
    }


def test_an_uncertain_photo_reads_possibly_and_shows_no_percentage(client, make_prediction, staff):
    prediction = make_prediction(faces=[UNSURE], label="unknown", confidence=0.55)

    page = client.get(f"/predictions/{prediction.pk}/").content.decode()  # staff see the model's
    client.force_login(staff)
    cards = client.get("/predictions/").content.decode()

    assert '<h1 class="answer needs-review">Possibly LeBron James, needs review</h1>' in page
    assert "55.0%" not in page
    assert "confident" not in page
    card = cards[cards.index('class="card"') :]
    assert "Possibly LeBron James, needs review" in card and "55.0%" not in card


def test_an_unknown_face_shows_no_athlete_percentage(client, make_prediction):
    stranger = {**UNSURE, "needs_review": False, "score": 0.31}
    prediction = make_prediction(faces=[stranger], label="unknown", confidence=0.31)

    html = client.get(f"/predictions/{prediction.pk}/").content.decode()

    assert '<h1 class="answer">Unknown person</h1>' in html
    assert "31.0%" not in html and "0.31" not in html
    assert "LeBron" not in html
    assert Face.objects.get().candidate == "lebron_james"
