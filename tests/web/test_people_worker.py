"""End to end with a real Redis, a real prefork Celery worker and the real trained model: the
worker groups unknown faces as their photos arrive, so People and "more photos" read groups
the web never computes. The photos are the dev set's ``others/`` (uploaded here, never trained
on)."""

import pytest

from classifier.models import Face, Person, Prediction
from tests.web.conftest import grouped, upload_file, wait_until_finished

pytestmark = pytest.mark.integration

STRANGER, SOMEONE_ELSE = "andre_agassi", "yao_ming"


def test_the_worker_groups_a_strangers_faces_as_the_photos_arrive(
    staff_client, active_model, worker, strangers
):
    photos = sorted((strangers / STRANGER).iterdir()) + [
        sorted((strangers / SOMEONE_ELSE).iterdir())[0]
    ]
    predictions = []
    for photo in photos:  # one at a time, as a desk sends them
        response = staff_client.post(
            "/api/predictions/", {"image": upload_file(photo.read_bytes(), photo.name)}
        )
        assert response.status_code == 202
        predictions.append(
            wait_until_finished(Prediction.objects.get(pk=response.json()["id"]), worker)
        )

    assert all(p.status == Prediction.Status.DONE and p.label == "unknown" for p in predictions)
    agassi = [grouped(largest_face(p), worker) for p in predictions[:3]]
    other = grouped(largest_face(predictions[3]), worker)
    groups = {face.person_id for face in agassi}
    assert len(groups) == 1 and None not in groups  # grouped by the worker, not the web
    assert other.person_id not in groups | {None}
    assert Person.objects.get(pk=groups.pop()).size == 3

    listed = staff_client.get("/api/people/").json()["results"]
    assert [sorted(face["id"] for face in group["faces"]) for group in listed] == [
        sorted(face.pk for face in agassi)
    ]
    found = staff_client.get(f"/api/faces/{agassi[0].pk}/more-photos/").json()
    assert {face["id"] for face in found[:2]} == {agassi[1].pk, agassi[2].pk}
    assert Face.objects.filter(person__isnull=False).count() >= 4


def largest_face(prediction: Prediction) -> Face:
    face = prediction.faces.order_by("-width").first()
    assert face is not None
    return face
