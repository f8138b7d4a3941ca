"""Training from stored embeddings: only the fit, no network, and one more athlete refits
everyone from what is stored."""

from __future__ import annotations

import numpy as np
import pytest

from ml import artifact
from ml.features import PhotoEmbeddings
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


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training from stored embeddings must not load a network")

    monkeypatch.setattr("ml.embedder.Embedder.__init__", refuse)
    monkeypatch.setattr("ml.faces.FaceDetector.__init__", refuse)


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
