"""Visitors who only look cost nothing: a session is written when a visitor first uploads, and
beat clears expired sessions every day."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from athletes_site.celery_app import app
from classifier.models import Prediction
from classifier.tasks import clear_expired_sessions
from tests.web.conftest import jpeg_bytes, upload_file


def test_it_writes_no_session_for_visitors_who_only_look(client, model_version, make_prediction):
    prediction = make_prediction()
    responses = [
        client.get(url)
        for url in ("/", "/predictions/", f"/predictions/{prediction.pk}/", "/api/predictions/")
    ]

    assert [response.status_code for response in responses] == [200] * 4
    assert not any(settings.SESSION_COOKIE_NAME in response.cookies for response in responses)
    assert not Session.objects.exists()


def test_the_first_upload_starts_the_session_that_lists_it(client, model_version, sent_tasks):
    client.get("/")

    response = client.post("/upload/", {"image": upload_file(jpeg_bytes(), "mine.jpg")})
    again = client.post("/upload/", {"image": upload_file(jpeg_bytes(colour=(1, 2, 3)))})

    assert (response.status_code, again.status_code) == (302, 302)
    assert Session.objects.count() == 1
    assert len(set(Prediction.objects.values_list("visitor", flat=True))) == 1
    assert "mine.jpg" in client.get("/predictions/").content.decode()
    assert "mine.jpg" not in Client().get("/predictions/").content.decode()


@pytest.mark.db_engine  # times compared in the query
def test_beat_clears_expired_sessions_daily(db):
    expired, current = SessionStore(), SessionStore()
    for session in (expired, current):
        session["visitor"] = "a" * 32
        session.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    clear_expired_sessions.apply()

    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == clear_expired_sessions.name
    )
    assert entry["schedule"] <= 24 * 60 * 60
    assert clear_expired_sessions.name in app.tasks
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
