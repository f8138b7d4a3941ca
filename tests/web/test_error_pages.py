"""With DEBUG off, as the default run serves: a friendly 404 and 500 page, never Django's
technical page or an exception's name; stored images answer HEAD."""

import pytest

from classifier.models import Athlete


def test_a_bad_result_link_gets_a_friendly_404(client, db, settings):
    assert settings.DEBUG is False

    response = client.get("/predictions/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "This page does not exist" in html and 'href="/"' in html
    assert "Http404" not in html and "Page not found at" not in html


def test_a_crash_gets_a_friendly_500(client, db, monkeypatch):
    def crash():
        raise RuntimeError("database on fire")

    monkeypatch.setattr(Athlete.objects, "label_names", crash)
    client.raise_request_exception = False

    response = client.get("/predictions/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "RuntimeError" not in html and "database on fire" not in html


@pytest.mark.parametrize("method", ["head", "get"])
def test_a_stored_image_answers_head_and_get(client, media_photo, method):
    response = getattr(client, method)(f"/media/{media_photo}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
