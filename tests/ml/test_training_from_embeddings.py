"""Training from stored embeddings: only the fit, no network, and one more athlete refits
everyone from what is stored."""

from __future__ import annotations

import numpy as np
import pytest

from ml import artifact
from ml.errors import ModelError
from ml.features import PhotoEmbeddings
from ml.reviewed import ReviewedFace, held_out
from ml.training import train_embedded

RNG = np.random.default_rng(5)


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def examples(label: str, axis: int, count: int = 6) -> list[PhotoEmbeddings]:
    """Stored example photos: the athlete's face near `axis`, and a bystander, no mirrors."""
    photos = []
    for number in range(count):
        athlete = np.zeros(128)
        athlete[axis] = 1.0
        faces = unit(np.stack([athlete + 0.6 * RNG.normal(size=128) / 11, RNG.normal(size=128)]))
        photos.append(PhotoEmbeddings.stored(f"example-{label}-{number}", label, faces))
    return photos


def test_a_stored_photo_without_mirrors_fills_both_rows():
    (photo,) = examples("a", 0, count=1)

    assert photo.faces.shape == (2, 2, 128)
    assert np.array_equal(photo.athlete[0], photo.athlete[1])
    assert str(photo.photo.path) == "example-a-0" and photo.skipped is None
    assert PhotoEmbeddings.stored("empty", "a", np.zeros((0, 128))).skipped == "no face found"


def test_it_trains_from_stored_embeddings_with_a_cohort_and_no_network(no_network, tmp_path):
    stored = examples("ann", 0) + examples("bob", 1)
    cohort = unit(RNG.normal(size=(1500, 128)))

    model_dir = train_embedded(stored, tmp_path, cohort=cohort, network="dynamic-int8")

    manifest = artifact.Manifest.read(model_dir)
    recognizer = artifact.load_recognizer(model_dir)
    assert manifest.labels == ["ann", "bob"]
    assert manifest.training_counts == {"ann": 6, "bob": 6}
    assert manifest.scoring == artifact.NORMALISED
    assert manifest.calibration["too_few_impostors"] is False
    assert "accuracy_mean" not in manifest.metrics  # cross-validation only when asked
    namings = recognizer.name(np.stack([stored[0].faces[0, 0], stored[6].faces[0, 0]]))
    assert [naming.label for naming in namings] == ["ann", "bob"]


def test_adding_an_athlete_refits_everyone_from_what_is_stored(no_network, tmp_path):
    stored = examples("ann", 0) + examples("bob", 1)
    before = artifact.load_recognizer(train_embedded(stored, tmp_path / "before"))

    after = artifact.load_recognizer(train_embedded(stored + examples("cy", 2), tmp_path / "after"))

    assert after.labels == ["ann", "bob", "cy"]
    assert np.allclose(after.centres[:2], before.centres)  # nobody else's faces changed
    assert after.lines["ann"] != before.lines["ann"]  # but a new athlete moves the lines


def reviewed_as(label: str, axis: int, count: int) -> list[ReviewedFace]:
    """Faces reviewed as `label`, one photo each, none of them a training photo."""
    faces = []
    for number in range(count):
        athlete = np.zeros(128)
        athlete[axis] = 1.0
        vector = unit(athlete + 0.6 * RNG.normal(size=128) / 11)
        faces.append(ReviewedFace(f"photo-{label}-{number}", vector, label))
    return faces


def test_an_athlete_named_on_reviews_alone_is_trained_from_every_reviewed_face(
    no_network, tmp_path
):
    stored = examples("ann", 0) + examples("bob", 1)
    named = reviewed_as("cy", 2, 5)
    assert any(held_out(face.photo) for face in named)  # a photo another athlete's would lose

    model_dir = train_embedded(stored, tmp_path, reviewed=named, athletes=["cy"])

    manifest = artifact.Manifest.read(model_dir)
    assert manifest.labels == ["ann", "bob", "cy"]
    assert manifest.training_counts["cy"] == 0 and manifest.reviewed_counts["cy"] == 5
    assert manifest.left_out == {}
    new_face = unit(np.eye(128)[2] + 0.6 * RNG.normal(size=128) / 11)
    (naming,) = artifact.load_recognizer(model_dir).name(new_face[np.newaxis])
    assert naming.candidate == "cy"


def test_an_athlete_with_one_face_is_left_out_by_name_or_refuses_the_training(no_network, tmp_path):
    stored = examples("ann", 0) + examples("bob", 1)
    one = reviewed_as("cy", 2, 1)

    model_dir = train_embedded(
        stored, tmp_path, reviewed=one, athletes=["cy"], leave_out_too_few=True
    )
    manifest = artifact.Manifest.read(model_dir)
    assert manifest.labels == ["ann", "bob"] and manifest.left_out == {"cy": 1}
    with pytest.raises(ModelError, match=r"cy \(1\)"):
        train_embedded(stored, tmp_path, reviewed=one, athletes=["cy"])
    with pytest.raises(ModelError, match=r"training needs at least two.*bob \(1\)"):
        train_embedded(examples("ann", 0) + examples("bob", 1, 1), tmp_path,
                       leave_out_too_few=True)  # fmt: skip
