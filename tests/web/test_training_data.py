"""What the worker trains from: enrolled examples, the training folder, reviewed faces."""

import numpy as np
import pytest
from django.core.files.base import ContentFile

from classifier.models import Athlete, Example, Face
from classifier.worker.training import training_folder
from ml.dataset import scan
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


def test_enrolled_examples_replace_the_folder_s_photos_of_that_athlete(
    settings, tmp_path, athletes, media_root
):
    folder = tmp_path / "photos"
    for label in ("lebron_james", "rafael_nadal"):
        (folder / label).mkdir(parents=True)
        (folder / label / "a.jpg").write_bytes(jpeg_bytes())
    settings.ATHLETES_SAMPLE_DATA = folder
    federer = Athlete.objects.create(label="roger_federer", display_name="Roger Federer")
    for athlete in (federer, athletes[1]):
        example = Example(athlete=athlete, original_name="x.jpg")
        example.image.save("x.jpg", ContentFile(jpeg_bytes()))

    root = tmp_path / "train"
    assert training_folder(root) == {}  # no face chosen yet: training guesses

    photos = [(photo.label, photo.path.name) for photo in scan(root)]
    examples = {e.athlete.label: f"{e.pk}.jpg" for e in Example.objects.all()}
    assert photos == [
        ("lebron_james", "a.jpg"),
        ("rafael_nadal", examples["rafael_nadal"]),
        ("roger_federer", examples["roger_federer"]),
    ]


def example_of(athlete: Athlete, status: str) -> Example:
    example = Example(athlete=athlete, original_name="x.jpg", status=status)
    example.image.save("x.jpg", ContentFile(jpeg_bytes()))
    return example


def test_it_gives_training_the_chosen_face_and_leaves_out_photos_without_one(
    settings, tmp_path, athletes, media_root
):
    settings.ATHLETES_SAMPLE_DATA = tmp_path / "no-folder"
    nadal = athletes[1]
    chosen = example_of(nadal, Example.Status.READY)
    chosen.record_faces([(50, 10, 40, 40), (5, 5, 10, 10)], np.eye(2, 128, dtype="<f4"))
    chosen.choose(chosen.faces.get(position=1))
    example_of(nadal, Example.Status.NO_FACE)
    example_of(nadal, Example.Status.FAILED)
    waiting = example_of(athletes[0], Example.Status.PENDING)

    boxes = training_folder(tmp_path / "train")

    nadal_photo = tmp_path / "train" / "rafael_nadal" / f"{chosen.pk}.jpg"
    assert boxes == {nadal_photo: (5, 5, 10, 10)}
    photos = scan(tmp_path / "train", boxes)
    assert [(photo.path.name, photo.box) for photo in photos] == [
        (f"{waiting.pk}.jpg", None),
        (f"{chosen.pk}.jpg", (5, 5, 10, 10)),
    ]
