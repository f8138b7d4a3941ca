"""Uploaders delete their own photos, from the site and the API; the files go once it commits.

Deleting a prediction removes its photo, thumbnail and annotated photo from disk (so they are no
longer served) after the transaction commits, and never a file another row still stores.
"""

import re

import pytest
from django.test import Client

from classifier.models import Prediction


@pytest.fixture
def visitor(db) -> Client:
    """A browser session that uploaded, as the site's pages make one."""
    client = Client(enforce_csrf_checks=True)
    session = client.session
    session["visitor"] = "a" * 32
    session.save()
    return client


def csrf_token(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.mark.db_engine  # on_commit
def test_it_deletes_the_row_and_then_the_files_through_the_api(
    user_client, make_prediction, with_files, media_root, django_capture_on_commit_callbacks
):
    owner = user_client.get("/api/predictions/").wsgi_request.user
    prediction = with_files(make_prediction(uploader=owner))
    files = [media_root / name for name in prediction.file_names]

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.delete(f"/api/predictions/{prediction.pk}/")
        assert all(file.exists() for file in files)  # not before the deletion commits

    assert response.status_code == 204
    assert not Prediction.objects.filter(pk=prediction.pk).exists()
    assert not any(file.exists() for file in files)
    assert user_client.get(f"/media/{prediction.image.name}").status_code == 404


@pytest.mark.db_engine  # on_commit
def test_it_deletes_from_the_site_after_a_confirmation(
    visitor, make_prediction, with_files, media_root, django_capture_on_commit_callbacks
):
    prediction = with_files(make_prediction(visitor="a" * 32, original_name="mine.jpg"))
    url = f"/predictions/{prediction.pk}/delete/"

    assert url in visitor.get(f"/predictions/{prediction.pk}/").content.decode()
    confirmation = visitor.get(url)
    without_token = visitor.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(url, {"csrfmiddlewaretoken": csrf_token(visitor, url)})

    assert confirmation.status_code == 200
    assert "Delete mine.jpg?" in confirmation.content.decode()
    assert without_token.status_code == 403
    assert response.status_code == 302
    assert response["Location"] == "/predictions/"
    assert not Prediction.objects.filter(pk=prediction.pk).exists()
    assert not (media_root / prediction.image.name).exists()


def test_whoever_has_the_link_cannot_delete_it(client, user_client, make_prediction, with_files):
    prediction = with_files(make_prediction(visitor="b" * 32))

    page = client.get(f"/predictions/{prediction.pk}/").content.decode()
    answers = [
        client.delete(f"/api/predictions/{prediction.pk}/").status_code,
        client.post(f"/predictions/{prediction.pk}/delete/").status_code,
        user_client.delete(f"/api/predictions/{prediction.pk}/").status_code,
        user_client.post(f"/predictions/{prediction.pk}/delete/").status_code,
    ]

    assert "/delete/" not in page
    assert answers == [403, 403, 403, 403]
    assert Prediction.objects.filter(pk=prediction.pk).exists()


def test_staff_with_the_delete_permission_can_delete_any(staff_client, make_prediction):
    prediction = make_prediction(visitor="b" * 32)

    assert staff_client.delete(f"/api/predictions/{prediction.pk}/").status_code == 204
    assert not Prediction.objects.exists()


def test_a_photo_still_being_processed_is_not_deleted(user_client, make_prediction):
    owner = user_client.get("/api/predictions/").wsgi_request.user
    prediction = make_prediction(uploader=owner, status=Prediction.Status.RUNNING)

    api = user_client.delete(f"/api/predictions/{prediction.pk}/")
    site = user_client.post(f"/predictions/{prediction.pk}/delete/")

    assert api.status_code == 409
    assert "still being processed" in api.json()["detail"]
    assert site.status_code == 302
    assert Prediction.objects.filter(pk=prediction.pk).exists()


@pytest.mark.db_engine  # on_commit, and the query for other rows' files
def test_a_file_another_row_stores_is_kept(
    staff_client, make_prediction, with_files, media_root, django_capture_on_commit_callbacks
):
    """Reuses made before reuses had their own copies share their source's files."""
    source = with_files(make_prediction())
    sharing = make_prediction(image=source.image.name, reused_from=source)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.delete(f"/api/predictions/{source.pk}/")

    assert (media_root / sharing.image.name).exists()
    assert not (media_root / source.thumbnail.name).exists()


@pytest.mark.db_engine  # on_commit from a bulk delete
def test_the_admin_deletes_the_files_too(
    staff_client, make_prediction, with_files, media_root, django_capture_on_commit_callbacks
):
    prediction = with_files(make_prediction())

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/classifier/prediction/",
            {"action": "delete_selected", "_selected_action": [prediction.pk], "post": "yes"},
        )

    assert response.status_code == 302
    assert not Prediction.objects.exists()
    assert not any((media_root / name).exists() for name in prediction.file_names)
