"""The same bytes uploaded again reuse the finished result instead of recomputing it."""

import hashlib

import pytest

from classifier.models import ModelVersion, Prediction
from tests.web.conftest import jpeg_bytes, upload_file

pytestmark = pytest.mark.db_engine


def finished_original(make_prediction, data: bytes) -> Prediction:
    return make_prediction(sha256=hashlib.sha256(data).hexdigest(), timings={"total_ms": 99.0})


def test_the_api_answers_201_with_the_stored_result(client, make_prediction, sent_tasks):
    data = jpeg_bytes()
    original = finished_original(make_prediction, data)

    response = client.post("/api/predictions/", {"image": upload_file(data, "again.jpg")})

    assert response.status_code == 201
    body = response.json()
    assert body["reused"] is True
    assert body["status"] == "done"
    assert body["label"] == "rafael_nadal"
    reused = Prediction.objects.get(pk=body["id"])
    assert response["Location"].endswith(f"/api/predictions/{reused.pk}/")
    assert reused.reused_from == original
    assert reused.original_name == "again.jpg"
    assert reused.annotated == original.annotated
    assert reused.finished_at is not None
    assert sent_tasks == []


def test_the_result_page_says_it_was_reused(client, make_prediction, sent_tasks):
    data = jpeg_bytes()
    finished_original(make_prediction, data)

    response = client.post("/upload/", {"image": upload_file(data)}, follow=True)

    html = response.content.decode()
    assert "same photo as before, result reused" in html
    assert "its result was reused" in html


def test_a_reuse_of_a_reuse_points_at_the_original(client, make_prediction, sent_tasks):
    data = jpeg_bytes()
    original = finished_original(make_prediction, data)
    client.post("/api/predictions/", {"image": upload_file(data)})

    response = client.post("/api/predictions/", {"image": upload_file(data)})

    assert Prediction.objects.get(pk=response.json()["id"]).reused_from == original


def test_a_result_from_another_model_is_not_reused(client, make_prediction, sent_tasks):
    data = jpeg_bytes()
    finished_original(make_prediction, data)
    ModelVersion.objects.create(version="v2", path="v2").activate()

    response = client.post("/api/predictions/", {"image": upload_file(data)})

    assert response.status_code == 202
    assert Prediction.objects.get(pk=response.json()["id"]).reused_from is None


def test_a_failed_result_is_not_reused(client, make_prediction, sent_tasks):
    data = jpeg_bytes()
    make_prediction(sha256=hashlib.sha256(data).hexdigest(), status=Prediction.Status.FAILED)

    response = client.post("/api/predictions/", {"image": upload_file(data)})

    assert response.status_code == 202
