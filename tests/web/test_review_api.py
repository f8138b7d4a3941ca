"""POST /api/predictions/{id}/review/ (deprecated for the per-face review): staff confirm or
correct a photo's faces in bulk; nobody else may."""

import pytest

from classifier.models import FaceReview
from classifier.web.api_tokens import issue as issue_token
from tests.web.conftest import photo_review


def review_url(prediction) -> str:
    return f"/api/predictions/{prediction.pk}/review/"


def test_staff_can_confirm(staff_client, make_prediction, staff):
    prediction = make_prediction(label="rafael_nadal")

    response = staff_client.post(review_url(prediction), {"verdict": "confirm"}, format="json")

    assert response.status_code == 200
    assert response.json()["review"]["verdict"] == "confirm"
    review = photo_review(prediction)
    assert (review.verdict, review.label, review.reviewer) == ("confirm", "rafael_nadal", staff)
    assert review.reviewed_at is not None


@pytest.mark.db_engine  # the latest of two reviews, by order
def test_staff_can_correct_to_an_athlete_or_unknown(staff_client, make_prediction):
    prediction = make_prediction(label="rafael_nadal")

    staff_client.post(review_url(prediction), {"verdict": "correct", "label": "lebron_james"})
    response = staff_client.post(review_url(prediction), {"verdict": "correct", "label": "unknown"})

    assert response.status_code == 200
    assert response.json()["review"]["label"] == "unknown"
    assert photo_review(prediction).label == "unknown"
    assert FaceReview.objects.count() == 2  # the earlier decision is kept as history
    prediction.refresh_from_db()
    assert prediction.label == "unknown"


def test_staff_can_use_a_token(client, make_prediction, staff):
    prediction = make_prediction()
    token = issue_token(staff)

    response = client.post(
        review_url(prediction), {"verdict": "confirm"}, HTTP_AUTHORIZATION=f"Token {token}"
    )

    assert response.status_code == 200
    assert photo_review(prediction) is not None


def test_anonymous_visitors_may_not_review(client, make_prediction):
    prediction = make_prediction()

    response = client.post(review_url(prediction), {"verdict": "confirm"})

    assert response.status_code in (401, 403)
    assert "detail" in response.json()
    assert not FaceReview.objects.exists()


def test_signed_in_non_staff_may_not_review(user_client, make_prediction):
    prediction = make_prediction()

    response = user_client.post(review_url(prediction), {"verdict": "confirm"})

    assert response.status_code == 403
    assert not FaceReview.objects.exists()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"verdict": "correct"}, "Say which label is right."),
        ({"verdict": "correct", "label": "roger_federer"}, "is not an athlete's label"),
        ({"verdict": "maybe"}, "is not a valid choice"),
    ],
)
def test_it_refuses_a_bad_review(staff_client, make_prediction, payload, message):
    prediction = make_prediction()

    response = staff_client.post(review_url(prediction), payload)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FaceReview.objects.exists()


def test_a_prediction_that_is_not_finished_cannot_be_reviewed(staff_client, make_prediction):
    prediction = make_prediction(status="queued", label="")

    response = staff_client.post(review_url(prediction), {"verdict": "confirm"})

    assert response.status_code == 400
    assert "Only finished predictions" in response.content.decode()
    assert not FaceReview.objects.exists()


def test_reviewing_a_missing_prediction_is_404(staff_client, db):
    url = "/api/predictions/00000000-0000-0000-0000-000000000000/review/"

    assert staff_client.post(url, {"verdict": "confirm"}).status_code == 404


def test_get_is_not_allowed(staff_client, make_prediction):
    assert staff_client.get(review_url(make_prediction())).status_code == 405


def test_a_photo_without_faces_has_nothing_to_review(staff_client, make_prediction):
    prediction = make_prediction(label="no_face")

    response = staff_client.post(review_url(prediction), {"verdict": "confirm"})

    assert response.status_code == 400
    assert "nothing to review" in response.content.decode()
    assert not FaceReview.objects.exists()


def test_correcting_a_group_photo_names_the_face_its_answer_rests_on(staff_client, make_prediction):
    faces = [
        {"box": [0, 0, 9, 9], "label": "unknown", "candidate": "lebron_james", "score": 0.2,
         "needs_review": False},
        {"box": [20, 0, 9, 9], "label": "rafael_nadal", "candidate": "rafael_nadal",
         "score": 0.8, "needs_review": False},
    ]  # fmt: skip
    prediction = make_prediction(faces=faces, label="rafael_nadal", confidence=0.8)

    response = staff_client.post(
        review_url(prediction), {"verdict": "correct", "label": "lebron_james"}
    )

    assert response.status_code == 200
    assert [face["label"] for face in response.json()["faces"]] == ["unknown", "lebron_james"]
    assert response.json()["label"] == "lebron_james"
    (review,) = FaceReview.objects.all()
    assert (review.face.position, review.model_label) == (1, "rafael_nadal")
