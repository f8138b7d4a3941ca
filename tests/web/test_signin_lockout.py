"""The sign-in locks a username out from an address after five wrong passwords, on every web
server, and only that pair.

Two gunicorn servers share the test database, as two web machines would. Wrong passwords go to
one and the other in turn: a lockout counted in one process's memory would never reach five in
either, and the right password would get through.
"""

import re

import pytest
import requests
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from tests.web.conftest import PASSWORD, app_environment
from tests.web.processes import WebServer

LOGIN = "/admin/login/"


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory, facenet_weights):
    folder = tmp_path_factory.mktemp("signin")
    env = app_environment(
        django_db_blocker, folder / "media", facenet_weights, settings.CELERY_BROKER_URL
    )
    servers = [WebServer(folder / name, env) for name in ("a", "b")]
    try:
        for server in servers:
            server.folder.mkdir()
            server.start()
        yield servers
    finally:
        for server in servers:
            server.discard()


def sign_in(server: WebServer, password: str) -> requests.Response:
    """One attempt, as a browser makes it: the form's CSRF token, then the POST."""
    browser = requests.Session()
    form = browser.get(f"{server.url}{LOGIN}", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    return browser.post(
        f"{server.url}{LOGIN}?next=/admin/",
        data={"username": "staff", "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )


@pytest.mark.integration
@pytest.mark.db_engine  # two processes counting failures in one table
def test_it_locks_out_an_address_after_five_wrong_passwords(servers, transactional_db, staff):
    first_five = [sign_in(servers[n % 2], f"guess-{n}").status_code for n in range(5)]
    right_after_five = [sign_in(server, PASSWORD) for server in servers]
    more = [sign_in(servers[n % 2], f"guess-{n}").status_code for n in range(5, 30)]
    right_after_thirty = [sign_in(server, PASSWORD).status_code for server in servers]

    assert first_five == [200, 200, 200, 200, 429]  # the form again, then blocked
    assert [response.status_code for response in right_after_five] == [429, 429]
    assert "Signing in is blocked" in right_after_five[0].text
    assert not any("sessionid" in response.cookies for response in right_after_five)
    assert set(more) == {429} and right_after_thirty == [429, 429]
    assert AccessAttempt.objects.get(ip_address="127.0.0.1").failures_since_start >= 5


@pytest.mark.integration
def test_the_right_password_works_before_any_lockout(servers, transactional_db, staff):
    response = sign_in(servers[1], PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert not AccessAttempt.objects.exists()


def sign_in_from(address: str, username: str, password: str) -> int:
    response = Client(REMOTE_ADDR=address).post(
        f"{LOGIN}?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code


def test_the_lockout_holds_one_username_at_one_address_only(staff, django_user_model):
    """A guesser blocks neither the account's owner elsewhere nor colleagues behind the same
    address (a newsroom's one outgoing address)."""
    django_user_model.objects.create_user("colleague", password=PASSWORD, is_staff=True)
    guesser, elsewhere = "203.0.113.7", "198.51.100.20"
    guesses = [sign_in_from(guesser, "staff", f"guess-{n}") for n in range(5)]

    assert guesses == [200, 200, 200, 200, 429]
    assert sign_in_from(guesser, "staff", PASSWORD) == 429
    assert sign_in_from(elsewhere, "staff", PASSWORD) == 302
    assert sign_in_from(guesser, "colleague", PASSWORD) == 302
    assert sign_in_from(guesser, "staff", PASSWORD) == 429  # still, after the others came in
