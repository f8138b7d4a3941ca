"""GET /api/athletes/: the athletes the active model knows."""

from classifier.models import Athlete, ModelVersion
from tests.web.conftest import stored_manifest


def test_it_lists_the_athletes_of_the_active_model(client, model_version):
    Athlete.objects.create(label="roger_federer", display_name="Roger Federer")

    response = client.get("/api/athletes/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"label": "lebron_james", "display_name": "LeBron James"},
        {"label": "rafael_nadal", "display_name": "Rafael Nadal"},
    ]


def test_it_follows_the_active_model(client, model_version):
    ModelVersion.objects.create(
        version="v2", path="v2", manifest=stored_manifest("v2", ["rafael_nadal"])
    ).activate()

    response = client.get("/api/athletes/")

    assert [athlete["label"] for athlete in response.json()["results"]] == ["rafael_nadal"]


def test_it_is_empty_without_an_active_model(client, athletes):
    response = client.get("/api/athletes/")

    assert response.status_code == 200
    assert response.json()["count"] == 0
