"""Admin review: list with thumbnails, bulk confirm and correct, the annotated photo."""

import pytest

from classifier.models import FaceReview
from tests.web.conftest import photo_review

CHANGELIST = "/admin/classifier/prediction/"


def run_action(staff_client, action: str, predictions):
    return staff_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(p.pk) for p in predictions]},
        follow=True,
    )


@pytest.mark.db_engine  # the latest review, joined
def test_the_list_shows_thumbnails_labels_and_review_state(staff_client, make_prediction, staff):
    prediction = make_prediction(original_name="serve.jpg")
    prediction.review_all_faces(staff, "confirm")

    response = staff_client.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert prediction.thumbnail.url in html
    assert "serve.jpg" in html
    assert "confirm: rafael_nadal" in html


def test_it_offers_one_correct_action_per_athlete_and_unknown(staff_client, make_prediction):
    make_prediction()

    html = staff_client.get(CHANGELIST).content.decode()

    assert "Confirm every face" in html
    assert "Correct to LeBron James" in html
    assert "Correct to Rafael Nadal" in html
    assert "Correct to Unknown person" in html


def test_confirm_records_who_when_verdict_and_label(staff_client, make_prediction, staff):
    first, second = make_prediction(label="rafael_nadal"), make_prediction(label="unknown")

    response = run_action(staff_client, "confirm", [first, second])

    assert response.status_code == 200
    assert "Reviewed 2 prediction(s)." in response.content.decode()
    review = photo_review(first)
    assert (review.verdict, review.label, review.reviewer) == ("confirm", "rafael_nadal", staff)
    assert (review.model_label, review.model_candidate) == ("rafael_nadal", "rafael_nadal")
    assert photo_review(second).label == "unknown"


@pytest.mark.db_engine  # the latest of two reviews, by order
def test_correct_to_an_athlete_replaces_an_earlier_review(staff_client, make_prediction, staff):
    prediction = make_prediction(label="rafael_nadal")
    prediction.review_all_faces(staff, "confirm")

    run_action(staff_client, "correct_to_lebron_james", [prediction])

    review = photo_review(prediction)
    assert (review.verdict, review.label) == ("correct", "lebron_james")
    assert FaceReview.objects.filter(face__prediction=prediction).count() == 2  # history kept
    prediction.refresh_from_db()
    assert prediction.label == "lebron_james"


def test_correct_to_unknown(staff_client, make_prediction):
    prediction = make_prediction()

    run_action(staff_client, "correct_to_unknown", [prediction])

    assert photo_review(prediction).label == "unknown"
    prediction.refresh_from_db()
    assert prediction.label == "unknown"


def test_unfinished_predictions_are_skipped_with_a_warning(staff_client, make_prediction):
    done, queued = make_prediction(), make_prediction(status="queued", label="")

    response = run_action(staff_client, "confirm", [done, queued])

    assert "Only finished predictions can be reviewed." in response.content.decode()
    assert list(FaceReview.objects.values_list("face__prediction", flat=True)) == [done.pk]


def test_the_change_view_shows_the_annotated_photo(staff_client, make_prediction):
    prediction = make_prediction()

    response = staff_client.get(f"{CHANGELIST}{prediction.pk}/change/")

    assert response.status_code == 200
    assert prediction.annotated.url in response.content.decode()


def test_non_staff_cannot_reach_the_admin(user_client, make_prediction):
    response = user_client.get(CHANGELIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
