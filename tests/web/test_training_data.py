"""What the worker trains from: enrolled examples, the training folder, reviewers' rejections."""

from pathlib import Path

import numpy as np
from django.core.files.base import ContentFile

from classifier.model_versions import training_folder
from classifier.models import Athlete, Example, Face, Review
from ml.dataset import scan
from tests.web.conftest import jpeg_bytes

NADAL_FACE = {
    "box": (1, 2, 30, 30),
    "label": "rafael_nadal",
    "candidate": "rafael_nadal",
    "score": 0.8,
    "needs_review": False,
}


def face_with_embedding(prediction, value: float) -> Face:
    face = prediction.faces.get()
    face.embedding = np.full(128, value, dtype="<f4").tobytes()
    face.save()
    return face


def test_it_takes_a_photo_corrected_away_from_an_athlete_as_an_impostor(make_prediction, staff):
    corrected = make_prediction(faces=[NADAL_FACE])
    face_with_embedding(corrected, 0.5)
    Review.objects.create(prediction=corrected, reviewer=staff, verdict="correct", label="unknown")
    confirmed = make_prediction(faces=[NADAL_FACE])
    face_with_embedding(confirmed, 0.25)
    Review.objects.create(
        prediction=confirmed, reviewer=staff, verdict="confirm", label="rafael_nadal"
    )
    make_prediction(faces=[NADAL_FACE])  # never reviewed

    rejected = Face.objects.rejected_embeddings()

    assert list(rejected) == ["rafael_nadal"]
    assert rejected["rafael_nadal"].shape == (1, 128)
    assert np.allclose(rejected["rafael_nadal"], 0.5)


def test_it_does_not_guess_which_face_of_a_group_was_corrected(make_prediction, staff):
    group = make_prediction(faces=[NADAL_FACE, {**NADAL_FACE, "box": (40, 2, 20, 20)}])
    Face.objects.filter(prediction=group).update(embedding=np.ones(128, dtype="<f4").tobytes())
    Review.objects.create(prediction=group, reviewer=staff, verdict="correct", label="unknown")

    assert Face.objects.rejected_embeddings() == {}


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

    root = training_folder(tmp_path / "train")

    photos = [(photo.label, photo.path.resolve()) for photo in scan(root)]
    examples = {e.athlete.label: Path(e.image.path) for e in Example.objects.all()}
    assert photos == [
        ("lebron_james", folder / "lebron_james" / "a.jpg"),
        ("rafael_nadal", examples["rafael_nadal"]),
        ("roger_federer", examples["roger_federer"]),
    ]
