"""End to end with a real Redis, a real prefork Celery worker and the real trained model:
upload, the worker runs, the result is stored and served by the HTML page and the API."""

import json
import shutil
from pathlib import Path

import pytest

from classifier.models import ModelVersion, Prediction
from tests.web.conftest import upload_file, wait_until_finished

pytestmark = pytest.mark.integration


def photo(sample_data, label: str, name: str):
    return upload_file((sample_data / label / name).read_bytes(), name)


def test_an_api_upload_is_recognised_and_served(client, active_model, worker, sample_data):
    response = client.post(
        "/api/predictions/", {"image": photo(sample_data, "rafael_nadal", "nadal(3).jpg")}
    )
    assert response.status_code == 202

    prediction = wait_until_finished(Prediction.objects.get(pk=response.json()["id"]), worker)

    assert prediction.status == Prediction.Status.DONE, prediction.error
    assert prediction.label == "rafael_nadal"
    assert prediction.model_version == active_model
    face = prediction.faces.get(label="rafael_nadal")
    assert face.width > 0 and face.height > 0
    assert face.vector is not None and face.vector.shape == (128,)
    assert abs(float((face.vector**2).sum()) - 1) < 1e-3
    assert prediction.annotated.storage.exists(prediction.annotated.name)
    api = client.get(response["Location"]).json()
    assert (api["status"], api["label"]) == ("done", "rafael_nadal")
    assert api["annotated_url"].endswith(prediction.annotated.url)
    page = client.get(f"/predictions/{prediction.pk}/").content.decode()
    assert "Rafael Nadal" in page
    assert prediction.annotated.url in page


def test_a_form_upload_is_recognised_and_served(client, active_model, worker, sample_data):
    response = client.post(
        "/upload/", {"image": photo(sample_data, "lebron_james", "james(2).jpg")}
    )
    assert response.status_code == 302

    prediction = wait_until_finished(Prediction.objects.get(), worker)

    assert prediction.status == Prediction.Status.DONE, prediction.error
    assert prediction.label == "lebron_james"
    page = client.get(response["Location"]).content.decode()
    assert active_model.manifest["display_names"]["lebron_james"] in page
    assert client.get(f"/api/predictions/{prediction.pk}/").json()["label"] == "lebron_james"


def maps(pid: int, library: str) -> bool:
    return library in Path(f"/proc/{pid}/maps").read_text()


def test_only_the_forked_child_loads_the_networks_and_nobody_tensorflow(
    client, active_model, worker, sample_data
):
    response = client.post(
        "/api/predictions/", {"image": photo(sample_data, "rafael_nadal", "nadal(4).jpg")}
    )
    wait_until_finished(Prediction.objects.get(pk=response.json()["id"]), worker)

    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    assert children, "the prefork pool has no child process"
    assert not maps(worker.pid, "ai_edge_litert")
    assert all(maps(int(child), "ai_edge_litert") for child in children)
    assert not any(maps(pid, "tensorflow") for pid in [worker.pid, *map(int, children)])


def test_the_worker_uses_a_newly_activated_model_without_a_restart(
    client, active_model, worker, sample_data, trained_model_dir, tmp_path
):
    first = client.post(
        "/api/predictions/", {"image": photo(sample_data, "rafael_nadal", "nadal(5).jpg")}
    )
    wait_until_finished(Prediction.objects.get(pk=first.json()["id"]), worker)
    copy = shutil.copytree(trained_model_dir, tmp_path / "retrained")
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "version": "retrained"}))
    ModelVersion.objects.register(copy).activate()

    second = client.post(
        "/api/predictions/", {"image": photo(sample_data, "rafael_nadal", "nadal(6).jpg")}
    )
    prediction = wait_until_finished(Prediction.objects.get(pk=second.json()["id"]), worker)

    assert prediction.status == Prediction.Status.DONE, prediction.error
    assert prediction.model_version.version == "retrained"
    assert Prediction.objects.get(pk=first.json()["id"]).model_version == active_model
