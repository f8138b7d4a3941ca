"""The home page's plain HTML form: upload one or several photos without JavaScript."""

import pytest

from classifier.models import Prediction
from tests.web.conftest import jpeg_bytes, upload_file


def test_home_page_has_a_form_that_works_without_javascript(client, model_version):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="image"' in html
    assert "multiple" in html
    assert "csrfmiddlewaretoken" in html


def test_home_page_says_which_athletes_the_model_knows(client, model_version):
    html = client.get("/").content.decode()

    assert '<p class="knows">It knows LeBron James and Rafael Nadal.</p>' in html


def test_home_page_warns_when_no_model_is_active(client, db):
    response = client.get("/")

    assert "No model is active yet" in response.content.decode()
    assert "It knows" not in response.content.decode()


@pytest.mark.db_engine  # on_commit
def test_one_photo_redirects_to_its_result_page(
    client, model_version, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/upload/", {"image": upload_file(jpeg_bytes(), "a.jpg")})

    prediction = Prediction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/predictions/{prediction.pk}/"
    assert prediction.status == Prediction.Status.QUEUED
    assert sent_tasks == [str(prediction.pk)]


def test_several_photos_are_each_accepted_and_listed_in_the_history(
    client, model_version, sent_tasks
):
    files = [upload_file(jpeg_bytes(colour=(i * 40, 0, 0)), f"{i}.jpg") for i in range(3)]

    response = client.post("/upload/", {"image": files}, follow=True)

    assert response.redirect_chain == [("/predictions/", 302)]
    assert Prediction.objects.count() == 3
    assert "3 photos accepted." in response.content.decode()
    assert len(response.context["page"].object_list) == 3


def test_a_bad_file_among_good_ones_refuses_the_request_and_stores_nothing(
    client, model_version, sent_tasks
):
    files = [upload_file(jpeg_bytes(), "good.jpg"), upload_file(b"hello", "bad.jpg")]

    response = client.post("/upload/", {"image": files})

    assert response.status_code == 400
    assert "bad.jpg: This file is not an image" in response.content.decode()
    assert "Nothing was stored" in response.content.decode()
    assert not Prediction.objects.exists()
    assert sent_tasks == []


def test_posting_no_file_says_so(client, model_version):
    response = client.post("/upload/", {})

    assert response.status_code == 400
    assert "Choose a photo to upload." in response.content.decode()
    assert not Prediction.objects.exists()


def test_the_form_needs_a_csrf_token(model_version):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/upload/", {"image": upload_file(jpeg_bytes())}
    )

    assert response.status_code == 403
    assert not Prediction.objects.exists()


def test_get_is_not_allowed_on_the_upload_url(client, db):
    assert client.get("/upload/").status_code == 405


@pytest.mark.db_engine  # a transaction rolled back
def test_a_failure_while_storing_the_second_photo_leaves_nothing_of_the_first(
    client, model_version, sent_tasks, media_root, monkeypatch
):
    from classifier import uploads

    thumbnails = []

    def thumbnail_then_fail(image):
        thumbnails.append(image)
        if len(thumbnails) == 2:
            raise OSError(28, "No space left on device")
        return jpeg_bytes()

    monkeypatch.setattr(uploads, "thumbnail", thumbnail_then_fail)
    files = [upload_file(jpeg_bytes(colour=(i * 90, 0, 0)), f"{i}.jpg") for i in range(2)]

    with pytest.raises(OSError):
        client.post("/upload/", {"image": files})

    assert not Prediction.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    assert sent_tasks == []
