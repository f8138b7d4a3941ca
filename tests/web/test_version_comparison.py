"""GET /api/models/{version}/comparison/: a version beside the active one on reviewed faces."""

import shutil

import numpy as np
import pytest

from classifier.models import Face, FaceReview, ModelVersion
from ml import artifact
from tests.web.conftest import stored_manifest

LABELS = ["a", "b", "c"]


def unit(index: int) -> np.ndarray:
    vector = np.zeros(128, np.float32)
    vector[index] = 1
    return vector


def make_version(models_dir, version: str, sure: dict[str, float]) -> ModelVersion:
    """A real artifact whose centroids are the unit vectors 0, 1, 2, with these sure lines."""
    manifest = artifact.Manifest.from_dict(
        {
            **stored_manifest(version, LABELS),
            "lines": {label: {"sure": sure[label], "unknown": 0.5} for label in LABELS},
        },
        source="test",
    )
    (models_dir / version).mkdir(parents=True)
    artifact.save_centroids(models_dir / version, np.stack([unit(i) for i in range(3)]), LABELS)
    manifest.write(models_dir / version)
    return ModelVersion.objects.create(version=version, path=version, manifest=manifest.to_dict())


@pytest.fixture
def versions(settings, tmp_path, model_version):
    settings.ATHLETES_MODELS_DIR = tmp_path
    old = make_version(tmp_path, "old", {"a": 0.6, "b": 0.6, "c": 1.1})  # c never sure
    new = make_version(tmp_path, "new", {"a": 1.1, "b": 1.1, "c": 0.6})  # only c sure
    old.activate()
    return old, new


def reviewed(make_prediction, staff, vector, label: str):
    """A photo whose one face has this embedding and was reviewed as ``label``."""
    face = {"box": (1, 2, 30, 30), "label": "a", "candidate": "a", "score": 0.5}
    prediction = make_prediction(faces=[{**face, "needs_review": False}])
    Face.objects.filter(prediction=prediction).update(embedding=vector.astype("<f4").tobytes())
    review = FaceReview.objects.create(
        face=prediction.faces.get(), reviewer=staff, verdict="correct", label=label,
        model_label="a", model_candidate="a", model_score=0.5, model_needs_review=False,
    )  # fmt: skip
    Face.objects.filter(prediction=prediction).update(review=review)
    return prediction


@pytest.mark.db_engine  # reviews joined
def test_it_counts_answers_changed_for_better_and_worse(
    staff_client, staff, versions, make_prediction
):
    reviewed(make_prediction, staff, unit(0), "a")  # old names a, new does not: worse
    reviewed(make_prediction, staff, unit(1), "unknown")  # old names b wrongly: better
    corrected = reviewed(make_prediction, staff, unit(2), "c")  # only new names c: better
    make_prediction(faces=[])  # not reviewed

    response = staff_client.get("/api/models/new/comparison/")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("against", "faces", "changed", "better", "worse")} == {
        "against": "old",
        "faces": 3,
        "changed": 3,
        "better": 2,
        "worse": 1,
    }
    assert (body["right_before"], body["right_after"]) == (1, 2)
    assert {
        "prediction": str(corrected.pk),
        "reviewed": "c",
        "before": "unknown",
        "after": "c",
    } in (body["changes"])
    assert ModelVersion.objects.active().version == "old"


@pytest.mark.db_engine  # the newest reviews, by order and limit
def test_it_takes_only_the_last_reviewed_faces(staff_client, staff, versions, make_prediction):
    reviewed(make_prediction, staff, unit(0), "a")
    reviewed(make_prediction, staff, unit(2), "c")

    response = staff_client.get("/api/models/new/comparison/?last=1")

    assert response.status_code == 200
    assert (response.json()["faces"], response.json()["better"]) == (1, 1)


def test_it_refuses_a_version_still_training(staff_client, versions):
    ModelVersion.objects.create(version="next", status=ModelVersion.Status.TRAINING)

    response = staff_client.get("/api/models/next/comparison/")

    assert response.status_code == 409


def test_it_refuses_a_count_that_is_not_a_number(staff_client, versions):
    response = staff_client.get("/api/models/new/comparison/?last=many")

    assert response.status_code == 400
    assert "last" in response.json()


def test_it_needs_the_permission_to_view_versions(user_client, versions):
    assert user_client.get("/api/models/new/comparison/").status_code == 403


def test_it_reads_the_versions_from_storage_on_a_machine_without_their_folders(
    staff_client, staff, versions, make_prediction, settings, tmp_path
):
    settings.ATHLETES_MODEL_CACHE = tmp_path / "cache"
    for model_version in versions:
        model_version.store_artifact(model_version.model_dir)
        model_version.save()
        shutil.rmtree(model_version.model_dir)
    reviewed(make_prediction, staff, unit(2), "c")

    response = staff_client.get("/api/models/new/comparison/")

    assert response.status_code == 200, response.content
    assert (response.json()["better"], response.json()["worse"]) == (1, 0)
    assert sorted(path.name.split("-")[0] for path in (tmp_path / "cache").iterdir()) == [
        "new",
        "old",
    ]
