"""POST /api/athletes/ and POST /api/athletes/{label}/examples/: staff enrol athletes."""

import pytest

from classifier.models import Athlete, Example
from tests.web.conftest import jpeg_bytes, upload_file


def test_it_enrols_an_athlete_with_a_label_made_from_the_name(staff_client):
    response = staff_client.post(
        "/api/athletes/",
        {"display_name": "Roger Federer", "team": "Switzerland", "sport": "Tennis"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["label"] == "roger_federer"
    athlete = Athlete.objects.get(label="roger_federer")
    assert (athlete.display_name, athlete.team, athlete.sport) == (
        "Roger Federer",
        "Switzerland",
        "Tennis",
    )


def test_it_takes_a_label_given(staff_client):
    response = staff_client.post(
        "/api/athletes/",
        {"display_name": "Serena Williams", "label": "serena"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert Athlete.objects.filter(label="serena", display_name="Serena Williams").exists()


def test_it_refuses_a_label_taken(staff_client, athletes):
    response = staff_client.post(
        "/api/athletes/", {"display_name": "Rafael Nadal"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "exists already" in response.json()["label"][0]
    assert Athlete.objects.filter(label="rafael_nadal").count() == 1


def test_it_refuses_a_name_without_letters(staff_client):
    response = staff_client.post(
        "/api/athletes/", {"display_name": "!!!"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert not Athlete.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "Unknown"}, "display_name"),
        ({"display_name": "Not a face"}, "display_name"),
        ({"display_name": "Zoe", "label": "no_face"}, "label"),
    ],
)
def test_it_refuses_a_label_the_site_answers_with(staff_client, body, field):
    """An athlete labelled "unknown" would train from every face reviewers said is nobody."""
    response = staff_client.post("/api/athletes/", body, content_type="application/json")

    assert response.status_code == 400
    assert "is an answer, not an athlete" in response.json()[field][0]
    assert not Athlete.objects.exists()


def test_it_needs_the_permission_to_add_athletes(user_client, client):
    for who in (user_client, client):
        response = who.post(
            "/api/athletes/", {"display_name": "Roger Federer"}, content_type="application/json"
        )
        assert response.status_code == 403
    assert not Athlete.objects.exists()


def test_it_stores_several_example_photos_whose_faces_the_worker_finds(
    staff_client, athletes, sent_tasks, django_capture_on_commit_callbacks
):
    photos = [upload_file(jpeg_bytes(), f"nadal{n}.jpg") for n in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/api/athletes/rafael_nadal/examples/", {"images": photos})

    assert response.status_code == 201
    assert [(e["status"], e["faces"], e["chosen"]) for e in response.json()] == [
        ("pending", [], None)
    ] * 3
    assert sent_tasks == [e["id"] for e in response.json()]
    listed = staff_client.get("/api/athletes/rafael_nadal/examples/").json()
    assert [e["id"] for e in listed] == sent_tasks
    assert [e["original_name"] for e in response.json()] == [
        "nadal0.jpg",
        "nadal1.jpg",
        "nadal2.jpg",
    ]
    examples = Example.objects.filter(athlete__label="rafael_nadal")
    assert examples.count() == 3
    assert all(e.image.storage.exists(e.image.name) for e in examples)


def test_it_stores_no_example_when_one_file_is_not_a_photo(staff_client, athletes, media_root):
    photos = [upload_file(jpeg_bytes(), "good.jpg"), upload_file(b"not a photo", "bad.jpg")]

    response = staff_client.post("/api/athletes/rafael_nadal/examples/", {"images": photos})

    assert response.status_code == 400
    assert "bad.jpg" in response.json()["images"][0]
    assert not Example.objects.exists()
    assert not list(media_root.rglob("*.jpg"))


def test_it_answers_404_for_an_unknown_athlete(staff_client, athletes):
    response = staff_client.post(
        "/api/athletes/nobody/examples/", {"images": [upload_file(jpeg_bytes())]}
    )

    assert response.status_code == 404
    assert not Example.objects.exists()


def test_it_needs_the_permission_to_add_examples(user_client, athletes):
    response = user_client.post(
        "/api/athletes/rafael_nadal/examples/", {"images": [upload_file(jpeg_bytes())]}
    )

    assert response.status_code == 403
    assert not Example.objects.exists()


def test_it_refuses_a_name_with_control_characters(staff_client):
    response = staff_client.post(
        "/api/athletes/", {"display_name": "Ada\x07Bell"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["display_name"] == [
        "A name cannot hold control characters (a tab, a line break…)."
    ]
    assert not Athlete.objects.exists()


def test_a_name_that_looks_like_an_exiftool_value_stays_free(staff_client):
    response = staff_client.post(
        "/api/athletes/",
        {"display_name": "base64:QUJD", "label": "abc"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert Athlete.objects.get(label="abc").display_name == "base64:QUJD"
