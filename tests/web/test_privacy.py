"""One visitor cannot find another's uploads: not in the history, the API list, the home page's
recent photos or a search, nor through uploading the same photo. A prediction is reachable only
by its random id, which is what its uploader shares."""

import pytest
from django.test import Client

from classifier.models import Athlete, Prediction
from tests.web.conftest import jpeg_bytes, upload_file

PHOTO = jpeg_bytes(colour=(10, 120, 200))


@pytest.fixture
def alice_upload(model_version, sent_tasks) -> Prediction:
    alice = Client()
    alice.get("/")
    alice.post("/upload/", {"image": upload_file(PHOTO, "alice-at-home.jpg")})
    prediction = Prediction.objects.get()
    assert prediction.visitor
    return prediction


@pytest.fixture
def bob() -> Client:
    bob = Client()
    bob.get("/")  # a session of his own
    return bob


@pytest.mark.db_engine  # a text search (q)
def test_another_visitor_cannot_list_or_search_for_the_upload(alice_upload, bob):
    pages = [
        bob.get("/").content.decode(),
        bob.get("/predictions/").content.decode(),
        bob.get("/predictions/?q=alice").content.decode(),
    ]
    lists = [
        bob.get("/api/predictions/").json(),
        bob.get("/api/predictions/?q=alice").json(),
        Client().get("/api/predictions/").json(),  # no session at all
    ]

    assert not any("alice-at-home" in page or str(alice_upload.pk) in page for page in pages)
    assert [body["count"] for body in lists] == [0, 0, 0]


def test_a_signed_in_non_staff_user_cannot_list_it_either(alice_upload, user_client):
    assert user_client.get("/api/predictions/").json()["count"] == 0
    assert "alice-at-home" not in user_client.get("/predictions/").content.decode()


def test_staff_can_list_it(alice_upload, staff_client):
    body = staff_client.get("/api/predictions/").json()

    assert [item["id"] for item in body["results"]] == [str(alice_upload.pk)]


def test_uploading_the_same_photo_reveals_nothing_of_the_first_upload(
    alice_upload, bob, model_version
):
    Prediction.objects.filter(pk=alice_upload.pk).update(
        status="done", label="rafael_nadal", model_version=model_version
    )

    response = bob.post("/api/predictions/", {"image": upload_file(PHOTO, "bobs-copy.jpg")})

    assert response.status_code == 201
    body = response.json()
    assert body["id"] != str(alice_upload.pk)
    assert body["original_name"] == "bobs-copy.jpg"
    assert "alice" not in response.content.decode()
    assert bob.get("/api/predictions/").json()["count"] == 1


def test_the_id_is_random_and_is_the_only_way_in(alice_upload, bob):
    assert alice_upload.pk.version == 4
    assert bob.get(f"/api/predictions/{alice_upload.pk}/").status_code == 200
    assert bob.get(f"/predictions/{alice_upload.pk}/").status_code == 200


def test_pages_name_only_the_athletes_the_model_knows_or_a_reviewer_named(
    make_prediction, staff, athletes
):
    """An athlete enrolled but not trained yet (a signing not announced) is in no page's data
    for visitors: not the upload page's names, not the history's menus; once a reviewer names
    them on a photo, the history may filter by them."""
    Athlete.objects.create(label="yao_ming", display_name="Yao Ming")
    visitor = Client()

    home = visitor.get("/").content.decode()
    history = visitor.get("/predictions/").content.decode()

    assert "Rafael Nadal" in home and "Rafael Nadal" in history
    assert "yao_ming" not in home and "Yao Ming" not in home
    assert "yao_ming" not in history and "Yao Ming" not in history
    make_prediction().faces.get().record_review(staff, "correct", "yao_ming")
    assert (
        '<option value="yao_ming">Yao Ming</option>'
        in visitor.get("/predictions/").content.decode()
    )
