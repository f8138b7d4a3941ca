"""The site's training (``classifier.worker.training.train_version``) fits from what is stored:
the examples' face embeddings, never their photos, against a cohort of the archive's unknown
faces; and names only what the model without the cohort would name. The pages count what it
learns from by its rule."""

import time

import numpy as np
import pytest
from django.core.files.base import ContentFile

from classifier.models import Athlete, Example, Face, ModelVersion, Prediction
from classifier.models.readiness import faces_to_train
from classifier.worker.training import train_version
from ml import artifact
from ml.normalisation import MIN_COHORT
from ml.results import FaceResult
from ml.sample_people import sample_people_names
from tests.web.conftest import photos_of, upload_file
from tests.web.test_enrol_end_to_end import wait_until_trained
from tests.web.test_training_data import example_of

RNG = np.random.default_rng(3)
STRANGERS = MIN_COHORT + 200
PERSON = sorted(sample_people_names())[3]
DETECTING_SECONDS = 120


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype("<f4")


def near(axis: int, count: int, spread: float = 0.06) -> np.ndarray:
    return unit(np.eye(128)[axis] + spread * RNG.normal(size=(count, 128)))


def enrol_stored(athlete: Athlete, axis: int, photos: int = 6) -> None:
    """Examples the worker has found faces in: the athlete's, and a bystander beside them."""
    for face in near(axis, photos):
        example = example_of(athlete, Example.Status.READY)
        bystander = unit(RNG.normal(size=(1, 128)))[0]
        example.record_faces([(50, 10, 40, 40), (5, 5, 10, 10)], np.stack([face, bystander]))


def archive_of_strangers(make_prediction, count: int) -> None:
    """One finished photo of ``count`` unknown faces, each a different stranger."""
    prediction = make_prediction(faces=[], label="unknown")
    unknown = FaceResult((1, 1, 9, 9), "unknown", "lebron_james", 0.1, False, 0.99)
    Face.objects.bulk_create(
        Face.from_result(prediction, position, unknown, vector)
        for position, vector in enumerate(unit(RNG.normal(size=(count, 128))))
    )


@pytest.fixture
def stored_athletes(settings, tmp_path, athletes, media_root) -> list[Athlete]:
    """The two athletes enrolled with stored embeddings alone: no sample photos to fall back
    on, no cohort folder."""
    settings.ATHLETES_SAMPLE_DATA = tmp_path / "no-folder"
    settings.ATHLETES_MODELS_DIR = tmp_path / "models"
    settings.ATHLETES_COHORT_DIR = None
    for athlete, axis in zip(athletes, (0, 1), strict=True):
        enrol_stored(athlete, axis)
    return athletes


def test_the_trained_version_carries_a_cohort(stored_athletes, make_prediction, no_network):
    archive_of_strangers(make_prediction, STRANGERS)

    trained = train_version(ModelVersion.objects.create(version="v9", status="training"))

    manifest = trained.artifact_manifest
    assert (trained.status, trained.labels) == ("ready", ["lebron_james", "rafael_nadal"])
    assert manifest.scoring == artifact.NORMALISED
    assert manifest.calibration["estimated"]["reference_faces"] >= STRANGERS
    assert all(lines.get("sure_without_cohort") for lines in manifest.lines.values())
    # Named only where the cosine reaches the sure line the model without the cohort has.
    recognizer = artifact.load_recognizer(trained.local_dir(), manifest)
    faces = np.concatenate([near(0, 200, 0.09), near(1, 200, 0.09)])
    namings, cosines = recognizer.name(faces), recognizer.cosines(faces)
    named = [(n, naming.label) for n, naming in enumerate(namings) if naming.label != "unknown"]
    assert named  # the rule is exercised
    for n, label in named:
        index = recognizer.labels.index(label)
        assert cosines[n, index] >= manifest.lines[label]["sure_without_cohort"]


def test_an_example_waiting_for_the_worker_counts_on_the_pages_as_training_counts_it(
    stored_athletes, staff_client, sample_people
):
    person = Athlete.objects.create(label=PERSON, display_name=sample_people_names()[PERSON])
    enrol_stored(person, 2, photos=1)
    photo = photos_of(sample_people, PERSON)[0]
    waiting = Example(athlete=person, original_name=photo.name)  # the worker has not seen it
    waiting.image.save(photo.name, ContentFile(photo.read_bytes()))

    assert faces_to_train()[PERSON] == 2
    assert "training needs" not in staff_client.get("/athletes/").content.decode()

    trained = train_version(ModelVersion.objects.create(version="v9", status="training"))

    manifest = trained.artifact_manifest
    assert (trained.status, manifest.left_out) == ("ready", {})
    assert manifest.training_counts[PERSON] == 2


@pytest.mark.integration
def test_a_worker_trains_with_every_example_photo_deleted(
    staff_client, active_model, worker, sample_people
):
    name = sample_people_names()[PERSON]
    response = staff_client.post(
        "/api/athletes/", {"display_name": name}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    photos = photos_of(sample_people, PERSON)[:5]
    files = [upload_file(path.read_bytes(), path.name) for path in photos]
    response = staff_client.post(f"/api/athletes/{PERSON}/examples/", {"images": files})
    assert response.status_code == 201, response.content
    examples = Example.objects.filter(athlete__label=PERSON)
    deadline = time.monotonic() + DETECTING_SECONDS
    while examples.filter(status=Example.Status.PENDING).exists():
        assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
        time.sleep(0.5)
    assert [example.chosen_id is not None for example in examples] == [True] * 5
    for example in examples:
        example.image.storage.delete(example.image.name)
        assert not example.image.storage.exists(example.image.name)

    response = staff_client.post("/api/models/")
    assert response.status_code == 202
    trained = wait_until_trained(response.json()["version"], staff_client, worker)

    assert trained["status"] == "ready", (trained["error"], worker.log.read_text()[-3000:])
    assert PERSON in trained["labels"] and trained["training_counts"][PERSON] == 5
    assert Prediction.objects.count() == 0  # nothing else taught it
