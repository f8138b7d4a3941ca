"""POST /predictions/{id}/retry/: its uploader, or staff who may change predictions, queue a
failed photo again; a refused photo (one we cannot read) is not retried."""

import pytest

from classifier.models import Prediction

FAILED = {"status": "failed", "label": "", "error": "Failed after 3 attempts: boom.", "attempts": 3}


@pytest.mark.db_engine  # a conditional UPDATE, on_commit
def test_it_queues_the_uploaders_failed_photo_again(
    user_client, make_prediction, sent_tasks, django_capture_on_commit_callbacks
):
    user = user_client.get("/").wsgi_request.user
    prediction = make_prediction(uploader=user, **FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(f"/predictions/{prediction.pk}/retry/")

    assert response.status_code == 302
    assert response["Location"] == f"/predictions/{prediction.pk}/"
    prediction.refresh_from_db()
    assert (prediction.status, prediction.error, prediction.attempts) == ("queued", "", 0)
    assert sent_tasks == [str(prediction.pk)]


def test_staff_who_may_change_predictions_retry_any(
    staff_client, make_prediction, sent_tasks, django_capture_on_commit_callbacks
):
    prediction = make_prediction(visitor="b" * 32, **FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/predictions/{prediction.pk}/retry/")

    assert response.status_code == 302
    prediction.refresh_from_db()
    assert prediction.status == "queued" and sent_tasks == [str(prediction.pk)]


def test_whoever_has_the_link_cannot_retry_it(client, make_prediction, sent_tasks):
    prediction = make_prediction(visitor="b" * 32, **FAILED)

    response = client.post(f"/predictions/{prediction.pk}/retry/")

    assert response.status_code == 403
    prediction.refresh_from_db()
    assert prediction.status == "failed" and sent_tasks == []


def test_a_refused_photo_is_not_retried(staff_client, make_prediction, sent_tasks):
    prediction = make_prediction(**{**FAILED, "status": "refused"})

    response = staff_client.post(f"/predictions/{prediction.pk}/retry/", follow=True)

    assert response.status_code == 200
    assert "has not failed: nothing to retry" in response.content.decode()
    prediction.refresh_from_db()
    assert prediction.status == "refused" and sent_tasks == []


def test_it_answers_get_with_405(staff_client, make_prediction):
    prediction = make_prediction(**FAILED)

    assert staff_client.get(f"/predictions/{prediction.pk}/retry/").status_code == 405
    assert Prediction.objects.get(pk=prediction.pk).status == "failed"


def test_it_answers_404_for_a_missing_photo(staff_client, db):
    response = staff_client.post("/predictions/00000000-0000-0000-0000-000000000000/retry/")

    assert response.status_code == 404
