"""Through the API alone, with a real worker: enrol five people from photos, train, activate,
and see new photos of them named. The photos are dlib's five Johns (``sample_people``: eleven
face photos each, public domain); the model trained here is thrown away."""

import time

import pytest

from classifier.models import ModelVersion, Prediction
from ml.sample_people import sample_people_names
from tests.web.conftest import photos_of, upload_file, wait_until_finished

pytestmark = pytest.mark.integration

PEOPLE = sorted(sample_people_names())
TRAINING_SECONDS = 600


def wait_until_trained(version: str, client, worker) -> dict:
    deadline = time.monotonic() + TRAINING_SECONDS
    while True:
        body = client.get(f"/api/models/{version}/").json()
        if body["status"] != "training":
            return body
        if time.monotonic() > deadline:
            pytest.fail(f"Still training. Worker log:\n{worker.log.read_text()}")
        time.sleep(1)


def test_five_people_enrolled_through_the_api_are_named_in_new_photos(
    staff_client, active_model, worker, sample_people, settings
):
    for label, name in sample_people_names().items():
        response = staff_client.post(
            "/api/athletes/", {"display_name": name}, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        assert response.json()["label"] == label
        training = photos_of(sample_people, label)[:-1]
        files = [upload_file(path.read_bytes(), path.name) for path in training]
        response = staff_client.post(f"/api/athletes/{label}/examples/", {"images": files})
        assert response.status_code == 201, response.content

    response = staff_client.post("/api/models/")
    assert response.status_code == 202
    version = response.json()["version"]
    trained = wait_until_trained(version, staff_client, worker)
    assert trained["status"] == "ready", (trained["error"], worker.log.read_text()[-3000:])
    assert set(PEOPLE) <= set(trained["labels"])
    assert all(trained["training_counts"][label] >= 2 for label in PEOPLE)
    assert trained["progress"] == 100

    response = staff_client.post(f"/api/models/{version}/activate/")
    assert response.status_code == 200
    assert ModelVersion.objects.active().version == version

    answers = {}
    for label in PEOPLE:
        new_photo = photos_of(sample_people, label)[-1]
        response = staff_client.post(
            "/api/predictions/", {"image": upload_file(new_photo.read_bytes(), new_photo.name)}
        )
        assert response.status_code == 202
        prediction = wait_until_finished(Prediction.objects.get(pk=response.json()["id"]), worker)
        assert prediction.model_version.version == version
        best = prediction.faces.order_by("-score").first()
        answers[label] = (prediction.label, best.candidate, best.needs_review)
    # Every new photo's best face is closest to the right person and nobody is named as someone
    # else. The sure lines are strict (1 in 1,000 impostors) and ten photos each still place
    # them high: measured, 4 of the 5 are named and John Salley's answers unknown.
    assert all(candidate == label for label, (_, candidate, _) in answers.items()), answers
    assert all(answer in (label, "unknown") for label, (answer, _, _) in answers.items()), answers
    assert sum(answer == label for label, (answer, _, _) in answers.items()) >= 3, answers
