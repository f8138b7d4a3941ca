"""Uploads are limited in photos, not requests, per visitor per minute and per day, counted in a
cache every web process shares; a long queue answers 503 with Retry-After."""

import pytest
import requests
from django.conf import settings as django_settings

from classifier.models import Prediction
from tests.web.conftest import app_environment, jpeg_bytes, upload_file
from tests.web.processes import WebServer


def photos(count: int, start: int = 0) -> list:
    return [upload_file(jpeg_bytes(colour=(start + n, 0, 0)), f"{n}.jpg") for n in range(count)]


@pytest.mark.db_engine  # counts in the database cache's table
def test_a_form_of_several_photos_counts_each_photo(client, model_version, sent_tasks, settings):
    settings.ATHLETES_UPLOAD_RATE = "5/hour"  # a minute window could restart mid-test

    too_many = client.post("/upload/", {"image": photos(6)})
    five = client.post("/upload/", {"image": photos(5)})
    one_more = client.post("/api/predictions/", {"image": photos(1, start=100)})

    assert too_many.status_code == 429
    assert "at most 5/hour photos" in too_many.content.decode()
    assert 0 < int(too_many["Retry-After"]) <= 3601
    assert five.status_code == 302
    assert one_more.status_code == 429
    assert 0 < int(one_more["Retry-After"]) <= 3601
    assert Prediction.objects.count() == 5


@pytest.mark.db_engine  # counts in the database cache's table
def test_each_visitor_has_a_daily_quota(client, model_version, sent_tasks, settings):
    settings.ATHLETES_DAILY_UPLOAD_QUOTA = 3

    statuses = [
        client.post("/api/predictions/", {"image": photos(1, start=n)}).status_code
        for n in range(3)
    ]
    refused = client.post("/api/predictions/", {"image": photos(1, start=50)})

    assert statuses == [202, 202, 202]
    assert refused.status_code == 429
    assert "Daily limit reached: at most 3 photos a day." in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 86401
    assert Prediction.objects.count() == 3


@pytest.mark.parametrize("path", ["/api/predictions/", "/upload/"])
def test_a_long_queue_answers_503_with_retry_after_even_to_staff(
    staff_client, make_prediction, sent_tasks, settings, path
):
    settings.ATHLETES_MAX_BACKLOG = 2
    make_prediction(status="queued")
    make_prediction(status="queued")

    response = staff_client.post(path, {"image": photos(1)})

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Too many photos are waiting" in response.content.decode()
    assert Prediction.objects.count() == 2
    assert sent_tasks == []


def test_the_default_cache_is_shared_by_every_process():
    """Without CACHE_URL, counts live in the database, not in each process's memory."""
    assert django_settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")


@pytest.mark.db_engine  # two processes counting in one table
@pytest.mark.integration
def test_two_gunicorn_workers_share_one_count(
    transactional_db, django_db_blocker, tmp_path, facenet_weights, model_version
):
    env = {
        **app_environment(
            django_db_blocker, tmp_path / "media", facenet_weights, "memory://localhost/"
        ),
        # Per hour, not per minute: a fixed minute window could restart mid-test.
        "ATHLETES_UPLOAD_RATE": "10/hour",
        "WEB_CONCURRENCY": "2",
    }
    web = WebServer(tmp_path, env)
    web.start()
    try:
        statuses = [
            requests.post(
                f"{web.url}/api/predictions/",
                files={"image": (f"{n}.jpg", jpeg_bytes(colour=(n, 9, 9)), "image/jpeg")},
                headers={"Connection": "close"},
                timeout=30,
            ).status_code
            for n in range(20)
        ]
    finally:
        web.discard()

    assert sorted(statuses) == [202] * 10 + [429] * 10, web.logs()
    assert Prediction.objects.count() == 10
