"""What the worker trains from: enrolled examples, the training folder, reviewed faces."""

import numpy as np
import pytest
from django.core.files.base import ContentFile

from classifier.models import Athlete, Example, Face
from classifier.worker.training import training_cohort, training_photos
from tests.web.conftest import jpeg_bytes

NADAL_FACE = {
    "box": (1, 2, 30, 30),
    "label": "rafael_nadal",
    "candidate": "rafael_nadal",
    "score": 0.8,
    "needs_review": False,
}


def face_with_embedding(prediction, value: float, position: int = 0) -> Face:
    face = prediction.faces.get(position=position)
    face.embedding = np.full(128, value, dtype="<f4").tobytes()
    face.save()
    return face


@pytest.mark.db_engine  # reviews joined, binary embeddings
def test_it_hands_training_every_reviewed_face_with_the_reviewer_s_answer(make_prediction, staff):
    group = make_prediction(faces=[NADAL_FACE, {**NADAL_FACE, "candidate": "lebron_james"}])
    face_with_embedding(group, 0.5).record_review(staff, "correct", "unknown")  # "not Nadal"
    face_with_embedding(group, 0.25, position=1).record_review(staff, "confirm")
    other = make_prediction(faces=[NADAL_FACE])
    face_with_embedding(other, 0.125).record_review(staff, "correct", "lebron_james")
    face_with_embedding(make_prediction(faces=[NADAL_FACE]), 0.75)  # never reviewed
    make_prediction(faces=[NADAL_FACE]).faces.get().record_review(staff, "confirm")  # no vector

    faces = Face.objects.training_faces()

    found = sorted((face.photo, face.answer, float(face.embedding[0])) for face in faces)
    assert found == sorted([
        (str(group.pk), "unknown", 0.5),
        (str(group.pk), "rafael_nadal", 0.25),
        (str(other.pk), "lebron_james", 0.125),
    ])  # fmt: skip
    assert all(face.embedding.shape == (128,) for face in faces)


@pytest.mark.db_engine  # the latest review, by order
def test_a_later_decision_replaces_an_earlier_one(make_prediction, staff):
    face = face_with_embedding(make_prediction(faces=[NADAL_FACE]), 0.5)
    face.record_review(staff, "correct", "lebron_james")
    face.record_review(staff, "correct", "rafael_nadal")

    assert [face.answer for face in Face.objects.training_faces()] == ["rafael_nadal"]


def example_of(athlete: Athlete, status: str) -> Example:
    example = Example(athlete=athlete, original_name="x.jpg", status=status)
    example.image.save("x.jpg", ContentFile(jpeg_bytes()))
    return example


def test_an_example_is_read_from_its_stored_faces_and_never_from_its_photo(
    settings, tmp_path, athletes, media_root, no_network
):
    settings.ATHLETES_SAMPLE_DATA = tmp_path / "no-folder"
    nadal = athletes[1]
    chosen = example_of(nadal, Example.Status.READY)
    chosen.record_faces([(50, 10, 40, 40), (5, 5, 10, 10)], np.eye(2, 128, dtype="<f4"))
    chosen.choose(chosen.faces.get(position=1))
    example_of(nadal, Example.Status.NO_FACE)
    example_of(nadal, Example.Status.FAILED)
    chosen.image.storage.delete(chosen.image.name)

    (photo,) = training_photos(tmp_path / "train", lambda done, total: None)

    assert (photo.photo.label, photo.athlete_index, photo.faces.shape) == (
        "rafael_nadal",
        1,
        (2, 2, 128),
    )
    assert np.array_equal(photo.athlete, np.eye(2, 128)[[1, 1]])
    assert str(photo.photo.path) == f"x.jpg (example {chosen.pk})"


def test_examples_without_stored_faces_and_the_folder_s_athletes_are_embedded(
    settings, tmp_path, athletes, media_root
):
    folder = tmp_path / "photos"
    for label in ("lebron_james", "rafael_nadal"):
        (folder / label).mkdir(parents=True)
        (folder / label / "a.jpg").write_bytes(jpeg_bytes())
    settings.ATHLETES_SAMPLE_DATA = folder
    federer = Athlete.objects.create(label="roger_federer", display_name="Roger Federer")
    waiting = example_of(federer, Example.Status.PENDING)
    stored = example_of(athletes[1], Example.Status.READY)
    stored.record_faces([(5, 5, 10, 10)], np.eye(1, 128, dtype="<f4"))
    heard = []

    photos = training_photos(tmp_path / "train", lambda done, total: heard.append(total))

    found = sorted((p.photo.label, p.photo.path.name, p.skipped) for p in photos)
    assert found == [
        ("lebron_james", "a.jpg", "no face found"),  # the folder's, embedded
        ("rafael_nadal", f"x.jpg (example {stored.pk})", None),  # replaces the folder's
        ("roger_federer", f"{waiting.pk}.jpg", "no face found"),  # waiting: its photo embedded
    ]
    assert heard == [2]


@pytest.mark.db_engine  # binary embeddings, ordered and limited
def test_the_cohort_is_the_newest_faces_nobody_knows_and_the_cohort_folder(
    make_prediction, staff, settings, league, tmp_path
):
    unknown = {**NADAL_FACE, "label": "unknown", "candidate": "lebron_james", "score": 0.2}
    faces = make_prediction(faces=[unknown] * 4 + [NADAL_FACE, {**unknown, "needs_review": True}])
    for position in range(6):
        face_with_embedding(faces, position + 1, position)
    faces.faces.get(position=3).record_review(staff, "correct", "unknown")  # reviewed: known

    assert [float(v[0]) for v in Face.objects.cohort()] == [3, 2, 1]
    assert [float(v[0]) for v in Face.objects.cohort(limit=2)] == [3, 2]
    settings.ATHLETES_COHORT_DIR = None
    assert training_cohort().shape == (3, 128)
    strangers = tmp_path / "strangers"
    strangers.mkdir()
    for photo in sorted((league / "cohort").iterdir())[:3]:  # one person each
        (strangers / photo.name).symlink_to(photo)
    settings.ATHLETES_COHORT_DIR = strangers

    cohort = training_cohort()

    assert cohort.shape[0] >= 3 + 3 and cohort.dtype == np.float32
    assert np.array_equal(cohort[:3, 0], [3, 2, 1])
    np.testing.assert_allclose(np.linalg.norm(cohort[3:], axis=1), 1, atol=1e-3)
