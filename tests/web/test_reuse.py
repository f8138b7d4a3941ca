"""The same bytes uploaded again reuse the finished computation instead of running it again.

What is reused is the model's answer, never the earlier upload's record: the new upload gets its
own row, id and copies of the files, and nothing of the earlier upload (its id, file names, name,
time or review) reaches the new uploader.
"""

import hashlib

import pytest
from django.test import Client

from classifier.models import Face, FaceReview, ModelVersion, Prediction
from classifier.models.drawing import redraw_annotated
from classifier.models.embeddings import embedding_bytes
from tests.web.conftest import jpeg_bytes, upload_file

NADAL_FACE = {
    "box": [4, 5, 20, 21],
    "label": "rafael_nadal",
    "candidate": "rafael_nadal",
    "score": 0.97,
    "needs_review": False,
}
FILE_COLOURS = {"image": (1, 2, 3), "thumbnail": (4, 5, 6), "annotated": (7, 8, 9)}


@pytest.fixture
def finished_original(make_prediction, media_root):
    """A finished prediction of ``data`` with its three files stored, each with other bytes."""

    def make(data: bytes) -> Prediction:
        original = make_prediction(
            sha256=hashlib.sha256(data).hexdigest(),
            timings={"total_ms": 99.0, "queue_ms": 7.0},
            faces=[NADAL_FACE],
        )
        Face.objects.filter(prediction=original).update(embedding=embedding_bytes([0.5] * 128))
        for field, colour in FILE_COLOURS.items():
            path = media_root / getattr(original, field).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(jpeg_bytes(colour=colour))
        return original

    return make


def stored(media_root, prediction: Prediction, field: str) -> bytes:
    return (media_root / getattr(prediction, field).name).read_bytes()


@pytest.mark.db_engine  # the finished result found by query
def test_the_api_answers_201_with_the_stored_result(client, finished_original, sent_tasks):
    data = jpeg_bytes()
    original = finished_original(data)

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
    assert reused.finished_at is not None
    assert sent_tasks == []


@pytest.mark.db_engine  # bulk_create of binary embeddings
def test_the_reuse_has_its_own_copies_of_the_faces(client, finished_original, sent_tasks):
    """Copies, not links: each upload's faces are reviewed on their own, and deleting one
    upload leaves the other's faces whole."""
    data = jpeg_bytes()
    original = finished_original(data)

    response = client.post("/api/predictions/", {"image": upload_file(data)})
    original.delete()

    assert response.status_code == 201
    (face,) = Face.objects.filter(prediction_id=response.json()["id"])
    assert (face.box, face.label, face.candidate, face.score) == (
        [4, 5, 20, 21],
        "rafael_nadal",
        "rafael_nadal",
        0.97,
    )
    assert face.vector.tolist() == [0.5] * 128
    assert response.json()["faces"] == [
        {
            **NADAL_FACE,
            "id": face.pk,
            "detection_confidence": 0.99,
            "off_roster": "",
            "review": None,
        }
    ]


def test_it_never_shows_the_earlier_uploads_id_or_files(finished_original, media_root, sent_tasks):
    data = jpeg_bytes()
    original = finished_original(data)
    someone_else = Client()

    response = someone_else.post("/api/predictions/", {"image": upload_file(data, "mine.jpg")})

    assert response.status_code == 201
    assert str(original.pk) not in response.content.decode()
    assert "queue_ms" not in response.json()["timings"]
    reused = Prediction.objects.get(pk=response.json()["id"])
    for field, url in (("image", "image_url"), ("annotated", "annotated_url")):
        assert getattr(reused, field).name.endswith(f"/{reused.pk}.jpg")
        served = someone_else.get(response.json()[url])
        assert served.status_code == 200
    assert stored(media_root, reused, "image") == stored(media_root, original, "image")
    assert stored(media_root, reused, "thumbnail") == stored(media_root, original, "thumbnail")
    assert stored(media_root, reused, "annotated") != stored(media_root, original, "annotated")
    page = someone_else.get(f"/predictions/{reused.pk}/").content.decode()
    assert str(original.pk) not in page
    assert "mine.jpg" in page and original.original_name not in page


def test_a_reuse_is_reviewed_on_its_own(client, staff, finished_original, sent_tasks):
    """A staff correction belongs to the upload it was made on: a reuse copies the faces as the
    model saw them, so it gives exactly what the model would say again (and nothing of the
    earlier upload's review), and staff review it like any other upload."""
    data = jpeg_bytes()
    original = finished_original(data)
    original.review_all_faces(staff, "correct", "unknown")

    response = client.post("/api/predictions/", {"image": upload_file(data)})

    assert response.status_code == 201
    assert (response.json()["label"], response.json()["review"]) == ("rafael_nadal", None)
    assert not FaceReview.objects.filter(face__prediction_id=response.json()["id"]).exists()
    assert response.json()["faces"][0]["review"] is None


def test_a_reuse_draws_its_own_faces_never_the_earlier_review(
    client, staff, finished_original, media_root, sent_tasks
):
    """The earlier upload's drawing shows its reviewer's "LeBron James, reviewed"; the reuse,
    whose JSON says the model's answer and no review, draws that."""
    data = jpeg_bytes()
    original = finished_original(data)
    original.faces.get().record_review(staff, "correct", "lebron_james")
    redraw_annotated(original)
    original.refresh_from_db()

    response = client.post("/api/predictions/", {"image": upload_file(data)})

    reused = Prediction.objects.get(pk=response.json()["id"])
    assert (response.json()["label"], response.json()["review"]) == ("rafael_nadal", None)
    drawn = stored(media_root, reused, "annotated")
    assert drawn != stored(media_root, original, "annotated")
    redraw_annotated(reused)  # the model's answer, drawn afresh from the reuse's own faces
    reused.refresh_from_db()
    assert stored(media_root, reused, "annotated") == drawn


def test_the_result_page_says_it_was_reused(client, finished_original, sent_tasks):
    data = jpeg_bytes()
    finished_original(data)

    response = client.post("/upload/", {"image": upload_file(data)}, follow=True)

    html = response.content.decode()
    assert "same photo as before, result reused" in html
    assert "its result was reused" in html


@pytest.mark.db_engine  # the original found by query
def test_a_reuse_of_a_reuse_points_at_the_original(client, finished_original, sent_tasks):
    data = jpeg_bytes()
    original = finished_original(data)
    client.post("/api/predictions/", {"image": upload_file(data)})

    response = client.post("/api/predictions/", {"image": upload_file(data)})

    assert Prediction.objects.get(pk=response.json()["id"]).reused_from == original


def test_a_result_from_another_model_is_not_reused(client, finished_original, sent_tasks):
    data = jpeg_bytes()
    finished_original(data)
    ModelVersion.objects.create(version="v2", path="v2").activate()

    response = client.post("/api/predictions/", {"image": upload_file(data)})

    assert response.status_code == 202
    assert Prediction.objects.get(pk=response.json()["id"]).reused_from is None


def test_a_failed_result_is_not_reused(client, make_prediction, sent_tasks):
    data = jpeg_bytes()
    make_prediction(sha256=hashlib.sha256(data).hexdigest(), status=Prediction.Status.FAILED)

    response = client.post("/api/predictions/", {"image": upload_file(data)})

    assert response.status_code == 202


def test_a_reuse_keeps_no_hash_of_the_senders_address(client, finished_original, sent_tasks):
    """The address hash counts a sender's share of the queue; a reuse never waits in it."""
    data = jpeg_bytes()
    finished_original(data)

    response = client.post("/api/predictions/", {"image": upload_file(data, "again.jpg")})

    assert response.status_code == 201
    assert Prediction.objects.get(pk=response.json()["id"]).source == ""
