"""An anonymous API request that brings the site's cookies acts for that browser session, so it
must pass the CSRF and Origin checks a form would; a request without cookies needs none and is
tied to no session.

Through Django's full middleware stack with CSRF checks on, as a browser meets them.
"""

import pytest
from django.conf import settings
from django.test import Client

from classifier.models import Prediction
from tests.web.conftest import jpeg_bytes, upload_file

URL = "/api/predictions/"


@pytest.fixture
def browser(model_version, sent_tasks) -> Client:
    """A visitor who opened the upload page and uploaded once through its form."""
    browser = Client(enforce_csrf_checks=True)
    browser.get("/")
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    browser.post("/upload/", {"image": upload_file(jpeg_bytes()), "csrfmiddlewaretoken": token})
    assert settings.SESSION_COOKIE_NAME in browser.cookies
    return browser


def photo():
    return {"image": upload_file(jpeg_bytes(colour=(9, 90, 200)), "forged.jpg")}


def test_it_refuses_an_upload_without_the_token_from_a_visitors_browser(browser):
    response = browser.post(URL, photo())

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Prediction.objects.filter(original_name="forged.jpg").exists()


def test_it_refuses_one_from_another_site_even_with_the_token(browser):
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value

    response = browser.post(
        URL, photo(), HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="https://elsewhere.example"
    )

    assert response.status_code == 403
    assert not Prediction.objects.filter(original_name="forged.jpg").exists()


def test_it_refuses_a_deletion_without_the_token(browser):
    mine = Prediction.objects.get()
    Prediction.objects.filter(pk=mine.pk).update(status=Prediction.Status.DONE)

    response = browser.delete(f"{URL}{mine.pk}/")

    assert response.status_code == 403
    assert Prediction.objects.filter(pk=mine.pk).exists()


def test_it_ties_an_upload_with_the_token_to_the_browser_session(browser):
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value

    response = browser.post(URL, photo(), HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 202
    visitors = set(Prediction.objects.values_list("visitor", flat=True))
    assert len(visitors) == 1 and "" not in visitors
    assert browser.get(URL).json()["count"] == 2


def test_the_pages_script_starts_the_session_with_its_first_upload(model_version, sent_tasks):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/")  # the page: a CSRF cookie, no session yet
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value

    response = browser.post(URL, photo(), HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 202
    assert Prediction.objects.get().visitor
    assert browser.get(URL).json()["count"] == 1


def test_a_client_without_cookies_needs_no_token_and_gets_no_session(model_version, sent_tasks):
    response = Client(enforce_csrf_checks=True).post(URL, photo())

    assert response.status_code == 202
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    # Its photo is a visitor's, not the hot folder's (an event's export tells them apart by
    # this), under an id no session holds, so no later visitor can claim it.
    Client(enforce_csrf_checks=True).post(URL, photo())
    first, second = Prediction.objects.order_by("pk").values_list("visitor", flat=True)
    assert first and second and first != second
