"""Accounts for visitors: sign up, sign in, sign out; the browser session's uploads are claimed
by the account on signing in, and nobody else's."""

import pytest
from django.test import Client

from classifier.models import Prediction
from classifier.uploads import VISITOR_SESSION_KEY
from tests.web.conftest import PASSWORD

NEW_PASSWORD = "tennis-clay-court-2026"


@pytest.fixture
def visitor(db) -> Client:
    """A browser session that uploaded before having an account."""
    client = Client()
    session = client.session
    session[VISITOR_SESSION_KEY] = "a" * 32
    session.save()
    return client


def test_it_signs_up_and_claims_the_sessions_uploads(visitor, make_prediction, django_user_model):
    mine = make_prediction(visitor="a" * 32, original_name="mine.jpg")
    theirs = make_prediction(visitor="b" * 32, original_name="theirs.jpg")

    response = visitor.post(
        "/accounts/signup/",
        {"username": "newfan", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == "/predictions/"
    user = django_user_model.objects.get(username="newfan")
    assert not user.is_staff
    assert Prediction.objects.get(pk=mine.pk).uploader == user
    assert Prediction.objects.get(pk=theirs.pk).uploader is None
    assert visitor.get("/predictions/").context["user"] == user


def test_it_refuses_a_sign_up_with_mismatched_passwords(client, django_user_model, db):
    response = client.post(
        "/accounts/signup/", {"username": "x", "password1": NEW_PASSWORD, "password2": "other"}
    )

    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()
    assert not django_user_model.objects.filter(username="x").exists()


def test_signing_in_claims_the_sessions_uploads_but_not_anothers(
    visitor, make_prediction, django_user_model
):
    user = django_user_model.objects.create_user("fan", password=PASSWORD)
    other = django_user_model.objects.create_user("other", password=PASSWORD)
    mine = make_prediction(visitor="a" * 32)
    owned = make_prediction(visitor="a" * 32, uploader=other)

    response = visitor.post("/accounts/login/", {"username": "fan", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/predictions/"
    assert Prediction.objects.get(pk=mine.pk).uploader == user
    assert Prediction.objects.get(pk=owned.pk).uploader == other


def test_another_browser_finds_them_after_signing_in(visitor, make_prediction, django_user_model):
    django_user_model.objects.create_user("fan", password=PASSWORD)
    make_prediction(visitor="a" * 32, original_name="mine.jpg")
    visitor.post("/accounts/login/", {"username": "fan", "password": PASSWORD})
    elsewhere = Client()

    elsewhere.post("/accounts/login/", {"username": "fan", "password": PASSWORD})

    names = [p.original_name for p in elsewhere.get("/predictions/").context["page"].object_list]
    assert names == ["mine.jpg"]


def test_a_wrong_password_is_refused(client, django_user_model):
    django_user_model.objects.create_user("fan", password=PASSWORD)

    response = client.post("/accounts/login/", {"username": "fan", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_signs_out(user_client):
    response = user_client.post("/accounts/logout/")

    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in user_client.session
