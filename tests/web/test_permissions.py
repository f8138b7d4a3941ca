"""Staff may do only what their Django permissions allow: being staff opens the admin, nothing
more. Reviewing needs ``classifier.review_prediction``, activating a model
``classifier.activate_modelversion``, and seeing every upload ``classifier.view_prediction``."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from classifier.models import FaceReview, ModelVersion
from classifier.web.api_tokens import issue as issue_token
from tests.web.conftest import photo_review

VERSIONS = "/admin/classifier/modelversion/"
PREDICTIONS = "/admin/classifier/prediction/"


def staff_with(django_user_model, *codenames: str):
    user = django_user_model.objects.create_user("clerk", password="a-long-password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def second_version(model_version) -> ModelVersion:
    return ModelVersion.objects.create(version="v2", path="v2", manifest=model_version.manifest)


def test_it_refuses_the_admin_actions_to_staff_who_may_only_view(
    django_user_model, model_version, second_version, make_prediction
):
    viewer = logged_in(
        staff_with(django_user_model, "view_prediction", "view_modelversion", "view_facereview")
    )
    prediction = make_prediction()

    activate = viewer.post(
        VERSIONS, {"action": "activate", "_selected_action": [second_version.pk]}
    )
    confirm = viewer.post(PREDICTIONS, {"action": "confirm", "_selected_action": [prediction.pk]})
    correct = viewer.post(
        PREDICTIONS, {"action": "correct_to_unknown", "_selected_action": [prediction.pk]}
    )
    page = viewer.get(PREDICTIONS).content.decode()

    assert viewer.get(VERSIONS).status_code == 200  # they may look
    assert {activate.status_code, confirm.status_code, correct.status_code} <= {200, 302}
    assert ModelVersion.objects.active() == model_version
    assert not FaceReview.objects.exists()
    assert "Confirm every face" not in page and "Correct to" not in page


def test_it_lets_staff_with_the_permissions_run_them(
    django_user_model, model_version, second_version, make_prediction
):
    reviewer = logged_in(
        staff_with(
            django_user_model,
            "view_prediction",
            "review_prediction",
            "view_modelversion",
            "activate_modelversion",
        )
    )
    prediction = make_prediction()

    reviewer.post(VERSIONS, {"action": "activate", "_selected_action": [second_version.pk]})
    reviewer.post(
        PREDICTIONS, {"action": "correct_to_unknown", "_selected_action": [prediction.pk]}
    )

    assert ModelVersion.objects.active() == second_version
    assert photo_review(prediction).label == "unknown"


def test_it_refuses_api_reviews_to_staff_without_the_review_permission(
    client, django_user_model, make_prediction
):
    token = issue_token(staff_with(django_user_model, "view_prediction"))
    prediction = make_prediction()

    response = client.post(
        f"/api/predictions/{prediction.pk}/review/",
        {"verdict": "confirm"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )

    assert response.status_code == 403
    assert not FaceReview.objects.exists()


def test_it_accepts_api_reviews_from_a_non_staff_user_with_the_permission(
    client, django_user_model, make_prediction
):
    user = django_user_model.objects.create_user("helper", password="a-long-password")
    user.user_permissions.set(Permission.objects.filter(codename="review_prediction"))
    prediction = make_prediction()

    response = client.post(
        f"/api/predictions/{prediction.pk}/review/",
        {"verdict": "confirm"},
        HTTP_AUTHORIZATION=f"Token {issue_token(user)}",
    )

    assert response.status_code == 200
    assert photo_review(prediction).reviewer == user


def test_it_lists_every_upload_only_to_users_who_may_view_them(django_user_model, make_prediction):
    make_prediction(original_name="someone-elses.jpg")
    bare_staff = logged_in(staff_with(django_user_model))
    viewer = django_user_model.objects.create_user("viewer", password="a-long-password")
    viewer.user_permissions.set(Permission.objects.filter(codename="view_prediction"))

    assert bare_staff.get("/api/predictions/").json()["count"] == 0
    assert "someone-elses.jpg" not in bare_staff.get("/predictions/").content.decode()
    assert logged_in(viewer).get("/api/predictions/").json()["count"] == 1
