"""Stored images are served with a fixed, safe content type, and nothing else is."""

import pytest
from django.test import Client


@pytest.fixture
def stored(media_root):
    def store(name: str, data: bytes = b"\xff\xd8 not really") -> str:
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(data)
        return name

    return store


def test_a_jpeg_is_served_as_a_jpeg_with_nosniff(client, stored):
    stored("uploads/2026/01/a.jpg")

    response = client.get("/media/uploads/2026/01/a.jpg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_png_is_served_as_a_png(client, stored):
    stored("uploads/2026/01/a.png")

    assert client.get("/media/uploads/2026/01/a.png")["Content-Type"] == "image/png"


def test_other_kinds_of_file_are_never_served(client, stored):
    stored("uploads/2026/01/evil.html", b"<script>alert(1)</script>")

    assert client.get("/media/uploads/2026/01/evil.html").status_code == 404


def test_paths_outside_the_media_folder_are_404(client, stored):
    assert client.get("/media/../../etc/passwd.jpg").status_code == 404
    assert client.get("/media/%2E%2E/secret.jpg").status_code == 404


def test_a_missing_file_is_404(client, db):
    assert client.get("/media/uploads/nothing.jpg").status_code == 404


def test_the_health_check_answers(client, db):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.parametrize(
    ("url", "to_superuser"),
    [
        ("/media/models/v1-confusion.png", 200),
        # Any other spelling of the name is refused to everyone: never normalised, never served.
        ("/media/uploads/../models/v1-confusion.png", 404),
        ("/media/uploads/%2E%2E/models/v1-confusion.png", 404),
        ("/media/./models/v1-confusion.png", 404),
        ("/media//models/v1-confusion.png", 404),
    ],
)
def test_model_plots_are_served_only_to_staff_who_may_view_models(
    stored, staff, django_user_model, url, to_superuser
):
    stored("models/v1-confusion.png")
    visitors = {
        "anonymous": None,
        "user": django_user_model.objects.create_user("fan"),
        "staff without permissions": django_user_model.objects.create_user("clerk", is_staff=True),
        "superuser": staff,
    }
    answers = {}
    for who, user in visitors.items():
        client = Client()
        if user:
            client.force_login(user)
        answers[who] = client.get(url).status_code

    assert answers == {
        "anonymous": 404,
        "user": 404,
        "staff without permissions": 404,
        "superuser": to_superuser,
    }
