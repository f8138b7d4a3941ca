"""What changes results or the model needs staff, and a staff session needs a CSRF token.

Review through the API is also covered in test_review_api.py; here: model activation and the
review actions in the admin for visitors and non-staff users, and CSRF on every form that
changes something.
"""

import re

import pytest
from django.test import Client

from classifier.models import FaceReview, ModelVersion, Prediction
from tests.web.conftest import jpeg_bytes, upload_file

VERSIONS = "/admin/classifier/modelversion/"
PREDICTIONS = "/admin/classifier/prediction/"


@pytest.fixture
def second_version(model_version) -> ModelVersion:
    return ModelVersion.objects.create(version="v2", path="v2", manifest=model_version.manifest)


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def csrf_token(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_only_staff_can_activate_a_model(client, user_client, second_version, model_version, who):
    visitor = client if who == "anonymous" else user_client

    response = visitor.post(
        VERSIONS, {"action": "activate", "_selected_action": [second_version.pk]}
    )

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert ModelVersion.objects.active() == model_version


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_only_staff_can_confirm_in_the_admin(client, user_client, make_prediction, who):
    visitor = client if who == "anonymous" else user_client
    prediction = make_prediction()

    response = visitor.post(PREDICTIONS, {"action": "confirm", "_selected_action": [prediction.pk]})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not FaceReview.objects.exists()


def test_a_staff_session_cannot_activate_a_model_without_the_csrf_token(
    csrf_client, staff, second_version, model_version
):
    csrf_client.force_login(staff)
    form = {"action": "activate", "_selected_action": [second_version.pk]}

    refused = csrf_client.post(VERSIONS, form)
    accepted = csrf_client.post(
        VERSIONS, {**form, "csrfmiddlewaretoken": csrf_token(csrf_client, VERSIONS)}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert ModelVersion.objects.active() == second_version


def test_a_staff_session_cannot_review_through_the_api_without_the_csrf_token(
    csrf_client, staff, make_prediction
):
    csrf_client.force_login(staff)
    prediction = make_prediction()
    url = f"/api/predictions/{prediction.pk}/review/"

    response = csrf_client.post(url, {"verdict": "confirm"}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not FaceReview.objects.exists()


def test_the_upload_form_is_accepted_with_its_csrf_token_and_refused_without(
    csrf_client, model_version, sent_tasks
):
    token = csrf_token(csrf_client, "/")

    refused = csrf_client.post("/upload/", {"image": upload_file(jpeg_bytes())})
    accepted = csrf_client.post(
        "/upload/", {"image": upload_file(jpeg_bytes()), "csrfmiddlewaretoken": token}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert Prediction.objects.count() == 1
