"""POST /api/predictions/{id}/review/: staff confirm or correct; nobody else may."""

import pytest
from rest_framework.authtoken.models import Token

from classifier.models import Review

pytestmark = pytest.mark.db_engine


def review_url(prediction) -> str:
    return f"/api/predictions/{prediction.pk}/review/"


def test_staff_can_confirm(staff_client, make_prediction, staff):
    prediction = make_prediction(label="rafael_nadal")

    response = staff_client.post(review_url(prediction), {"verdict": "confirm"}, format="json")

    assert response.status_code == 200
    assert response.json()["review"]["verdict"] == "confirm"
    review = Review.objects.get(prediction=prediction)
    assert (review.verdict, review.label, review.reviewer) == ("confirm", "rafael_nadal", staff)
    assert review.reviewed_at is not None


def test_staff_can_correct_to_an_athlete_or_unknown(staff_client, make_prediction):
    prediction = make_prediction(label="rafael_nadal")

    staff_client.post(review_url(prediction), {"verdict": "correct", "label": "lebron_james"})
    response = staff_client.post(review_url(prediction), {"verdict": "correct", "label": "unknown"})

    assert response.status_code == 200
    assert response.json()["review"]["label"] == "unknown"
    assert Review.objects.get(prediction=prediction).label == "unknown"
    assert Review.objects.count() == 1


def test_staff_can_use_a_token(client, make_prediction, staff):
    prediction = make_prediction()
    token = Token.objects.create(user=staff)

    response = client.post(
        review_url(prediction), {"verdict": "confirm"}, HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 200
    assert Review.objects.filter(prediction=prediction).exists()


def test_anonymous_visitors_may_not_review(client, make_prediction):
    prediction = make_prediction()

    response = client.post(review_url(prediction), {"verdict": "confirm"})

    assert response.status_code in (401, 403)
    assert "detail" in response.json()
    assert not Review.objects.exists()


def test_signed_in_non_staff_may_not_review(user_client, make_prediction):
    prediction = make_prediction()

    response = user_client.post(review_url(prediction), {"verdict": "confirm"})

    assert response.status_code == 403
    assert not Review.objects.exists()


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
    assert not Review.objects.exists()


def test_a_prediction_that_is_not_finished_cannot_be_reviewed(staff_client, make_prediction):
    prediction = make_prediction(status="queued", label="")

    response = staff_client.post(review_url(prediction), {"verdict": "confirm"})

    assert response.status_code == 400
    assert "Only finished predictions" in response.content.decode()
    assert not Review.objects.exists()


def test_reviewing_a_missing_prediction_is_404(staff_client, db):
    url = "/api/predictions/00000000-0000-0000-0000-000000000000/review/"

    assert staff_client.post(url, {"verdict": "confirm"}).status_code == 404


def test_get_is_not_allowed(staff_client, make_prediction):
    assert staff_client.get(review_url(make_prediction())).status_code == 405
