"""Accounts for visitors: sign up, sign in, sign out; the browser session's uploads are claimed
by the account on signing in, and nobody else's."""

import logging

import pytest
from django.test import Client

from classifier.models import Prediction
from classifier.pages.accounts import CLOSED, SIGNED_UP, TOO_MANY
from classifier.uploads import VISITOR_SESSION_KEY
from tests.web.conftest import PASSWORD

NEW_PASSWORD = "tennis-clay-court-2026"


@pytest.fixture
def open_sign_up(settings):
    settings.ATHLETES_SIGNUP = True


def sign_up(client: Client, username: str, password: str = NEW_PASSWORD):
    return client.post(
        "/accounts/signup/",
        {"username": username, "password1": password, "password2": password},
        follow=True,
    )


@pytest.fixture
def visitor(db) -> Client:
    """A browser session that uploaded before having an account."""
    client = Client()
    session = client.session
    session[VISITOR_SESSION_KEY] = "a" * 32
    session.save()
    return client


def test_it_signs_up_then_signing_in_claims_the_sessions_uploads(
    visitor, make_prediction, django_user_model, open_sign_up
):
    mine = make_prediction(visitor="a" * 32, original_name="mine.jpg")
    theirs = make_prediction(visitor="b" * 32, original_name="theirs.jpg")

    response = sign_up(visitor, "newfan")

    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert SIGNED_UP.format(name="newfan") in response.content.decode()
    user = django_user_model.objects.get(username="newfan")
    assert not user.is_staff
    response = visitor.post("/accounts/login/", {"username": "newfan", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/predictions/"
    assert Prediction.objects.get(pk=mine.pk).uploader == user
    assert Prediction.objects.get(pk=theirs.pk).uploader is None


def test_a_taken_name_gets_the_same_answer_as_a_free_one(client, django_user_model, open_sign_up):
    taken = django_user_model.objects.create_user("Taken", password=PASSWORD)

    free_answer = sign_up(client, "free")
    taken_answer = sign_up(Client(), "taken")

    def seen(response) -> str:
        return response.content.decode().replace("free", "NAME").replace("taken", "NAME")

    assert (taken_answer.status_code, taken_answer.redirect_chain) == (
        free_answer.status_code, free_answer.redirect_chain,
    )  # fmt: skip
    assert seen(taken_answer).count("NAME") == seen(free_answer).count("NAME")
    assert "already exists" not in taken_answer.content.decode()
    taken.refresh_from_db()
    assert taken.check_password(PASSWORD)
    assert django_user_model.objects.filter(username__iexact="taken").count() == 1


def test_sign_up_is_closed_unless_the_setting_opens_it(client, django_user_model, db):
    response = client.post(
        "/accounts/signup/",
        {"username": "x", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 403
    assert CLOSED in response.content.decode()
    assert not django_user_model.objects.filter(username="x").exists()
    assert 'href="/accounts/signup/"' not in client.get("/accounts/login/").content.decode()


def test_sign_ups_are_limited_per_address(client, django_user_model, open_sign_up, settings):
    settings.ATHLETES_SIGNUP_RATE = "2/day"

    answers = [sign_up(client, f"fan{n}") for n in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert TOO_MANY.format(rate="2/day") in answers[2].content.decode()
    assert "at most 2/day" in answers[2].content.decode()  # the wait the setting gives
    assert django_user_model.objects.filter(username__startswith="fan").count() == 2


def test_it_refuses_a_sign_up_with_mismatched_passwords(
    client, django_user_model, db, open_sign_up
):
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


def test_signing_in_logs_nothing_and_a_lockout_still_would(client, django_user_model, caplog):
    django_user_model.objects.create_user("fan", password=PASSWORD)

    with caplog.at_level(logging.INFO):
        client.post("/accounts/login/", {"username": "fan", "password": PASSWORD})

    assert [r.getMessage() for r in caplog.records if r.name.startswith("axes")] == []
    assert logging.getLogger("axes.handlers.database").isEnabledFor(logging.WARNING)
