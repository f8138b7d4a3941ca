"""/accounts/tokens/: a signed-in user makes API tokens (shown once, kept as digests) and
revokes their own; ``manage.py create_api_token`` makes one for an operator."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client
from knox.models import AuthToken

from classifier.web.api_tokens import issue

URL = "/accounts/tokens/"


@pytest.fixture
def trainer(django_user_model):
    """A user who may list model versions: ``GET /api/models/`` says 200 with their token."""
    user = django_user_model.objects.create_user("trainer", password="a-long-password")
    user.user_permissions.set(Permission.objects.filter(codename="view_modelversion"))
    return user


def api_status(client, token: str) -> int:
    return client.get("/api/models/", HTTP_AUTHORIZATION=f"Token {token}").status_code


def refused(client, token: str) -> bool:
    """The API refuses the token itself (403, as the session scheme comes first and sends no
    challenge), not the user's permissions."""
    response = client.get("/api/models/", HTTP_AUTHORIZATION=f"Token {token}")
    return response.status_code == 403 and response.json()["detail"] == "Invalid token."


def test_a_user_makes_a_token_that_is_shown_once_and_kept_as_a_digest(client, trainer):
    client.force_login(trainer)

    response = client.post(URL)

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    token = response.context["new_token"]
    assert token in response.content.decode()
    assert api_status(client.__class__(), token) == 200
    stored = AuthToken.objects.get(user=trainer)
    assert token not in (stored.digest, stored.token_key) and token.startswith(stored.token_key)
    page = client.get(URL).content.decode()
    assert token not in page and f"{stored.token_key}…" in page
    assert "authtoken_token" not in connection.introspection.table_names()


def test_a_user_revokes_their_token_and_it_stops_working(client, trainer):
    token = issue(trainer)
    key = AuthToken.objects.get(user=trainer).token_key
    client.force_login(trainer)

    response = client.post(f"{URL}{key}/revoke/", follow=True)

    assert "is revoked" in response.content.decode()
    assert not AuthToken.objects.exists()
    assert refused(client.__class__(), token)


def test_nobody_revokes_or_sees_another_user_s_token(client, trainer, django_user_model):
    token = issue(trainer)
    key = AuthToken.objects.get(user=trainer).token_key
    client.force_login(django_user_model.objects.create_user("other"))

    assert key not in client.get(URL).content.decode()
    response = client.post(f"{URL}{key}/revoke/", follow=True)

    assert "You hold no such token." in response.content.decode()
    assert api_status(client.__class__(), token) == 200


def test_the_page_needs_a_signed_in_user(client, db):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    assert client.post(URL).status_code == 302
    assert not AuthToken.objects.exists()


def test_a_user_holds_ten_tokens_at_most(client, trainer):
    client.force_login(trainer)
    assert {client.post(URL).status_code for _ in range(10)} == {201}

    response = client.post(URL)

    assert response.status_code == 409
    assert "You hold 10 tokens already: revoke one first." in response.content.decode()
    assert AuthToken.objects.filter(user=trainer).count() == 10


def test_the_command_prints_a_token_for_the_user(client, trainer):
    out = io.StringIO()

    call_command("create_api_token", "trainer", stdout=out)

    assert api_status(client, out.getvalue().strip()) == 200


def test_a_new_password_ends_the_accounts_tokens_a_sign_in_does_not(client, trainer):
    token = issue(trainer)
    signed_in = Client().post(
        "/accounts/login/", {"username": "trainer", "password": "a-long-password"}
    )  # which saves the user, its last sign-in
    assert signed_in.status_code == 302
    assert api_status(client, token) == 200

    trainer.set_password("another-long-password-2026")  # the link, the admin, changepassword
    trainer.save()

    assert refused(client, token)
    assert not AuthToken.objects.filter(user=trainer).exists()
