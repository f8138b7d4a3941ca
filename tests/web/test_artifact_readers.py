"""Every reader of a model version's artifact gets it through ModelVersion.local_dir, so each
works on a machine that did not train the version: one with its own model folder and cache and
nothing but the shared bucket and database.

Machine A trains (registers) the versions and keeps nothing of them for machine B to read: its
folders are deleted before B does anything.
"""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

from classifier.models import Face, ModelVersion, Prediction
from classifier.version_comparison import compare
from classifier.worker import inference
from classifier.worker.rerun import rerun
from ml import artifact
from ml.imaging import load_image
from tests.web.conftest import jpeg_bytes
from tests.web.test_version_comparison import make_version, reviewed, unit


@dataclass
class Machines:
    a: Path
    b: Path

    def move_to_b(self, settings) -> None:
        """Machine A's model folders are gone; B has its own, empty ones."""
        shutil.rmtree(self.a)
        settings.ATHLETES_MODELS_DIR = self.b / "models"
        settings.ATHLETES_MODEL_CACHE = self.b / "model-cache"
        settings.MEDIA_ROOT = self.b / "media"


@pytest.fixture
def machines(db, settings, tmp_path, bucket) -> Machines:
    """Machine A's folders, where versions are trained and registered into the bucket."""
    a, b = tmp_path / "a", tmp_path / "b"
    settings.ATHLETES_MODELS_DIR = a / "models"
    settings.ATHLETES_MODEL_CACHE = a / "model-cache"
    settings.MEDIA_ROOT = a / "media"
    return Machines(a, b)


def synthetic(machines: Machines, version: str, sure: dict[str, float]) -> ModelVersion:
    """A small real artifact (centroids on three axes), registered on machine A."""
    models_dir = machines.a / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    make_version(models_dir, version, sure).delete()  # the folder, not a row without archive
    return ModelVersion.objects.register(models_dir / version)


def trained(machines: Machines, trained_model_dir: Path, **extra_files: bytes) -> ModelVersion:
    """The session's real model, copied into machine A's folder with ``extra_files``."""
    folder = machines.a / "models" / "trained"
    shutil.copytree(trained_model_dir, folder)
    for name, data in extra_files.items():
        (folder / name).write_bytes(data)
    return ModelVersion.objects.register(folder)


def test_inference_names_a_photo_with_a_version_trained_elsewhere(
    machines, settings, trained_model_dir, sample_data, monkeypatch
):
    monkeypatch.setattr(inference, "_loaded", {})  # this process's model, for this test only
    model_version = trained(machines, trained_model_dir)
    machines.move_to_b(settings)

    predictor = inference.load_predictor(model_version)
    result, _ = predictor.analyse(load_image(sample_data / "rafael_nadal" / "nadal(3).jpg").image)

    assert result.label == "rafael_nadal"
    assert predictor.manifest.version == model_version.version
    assert (machines.b / "model-cache").is_dir()


def test_rerun_names_history_again_with_a_version_trained_elsewhere(
    machines, settings, make_prediction
):
    new = synthetic(machines, "new", {"a": 1.1, "b": 1.1, "c": 0.6})  # only c is ever sure
    machines.move_to_b(settings)
    face = {"box": (1, 2, 30, 30), "label": "unknown", "candidate": "a", "score": 0.0}
    photo = make_prediction(faces=[{**face, "needs_review": False}], label="unknown")
    Face.objects.filter(prediction=photo).update(embedding=unit(2).astype("<f4").tobytes())

    rerun(Prediction.objects.all(), new)

    photo.refresh_from_db()
    assert (photo.label, photo.model_version) == ("c", new)
    new.refresh_from_db()
    assert new.rerun["status"] == "finished"


def test_comparison_reads_both_versions_trained_elsewhere(
    machines, settings, make_prediction, staff
):
    old = synthetic(machines, "old", {"a": 0.6, "b": 0.6, "c": 1.1})
    new = synthetic(machines, "new", {"a": 1.1, "b": 1.1, "c": 0.6})
    old.activate()
    machines.move_to_b(settings)
    reviewed(make_prediction, staff, unit(2), "c")

    report = compare(new, old, 200)

    assert (report.faces, report.better, report.worse) == (1, 1, 0)


def test_the_dev_report_is_made_and_shown_on_a_machine_that_did_not_train(
    machines, settings, trained_model_dir, sample_data, staff_client, tmp_path
):
    model_version = trained(machines, trained_model_dir)
    machines.move_to_b(settings)
    dev = tmp_path / "dev"
    (dev / "rafael_nadal").mkdir(parents=True)
    shutil.copy(sample_data / "rafael_nadal" / "nadal(3).jpg", dev / "rafael_nadal")

    call_command("evaluate_model", model_version.version, "--dev", str(dev))

    model_version.refresh_from_db()
    assert model_version.dev_report["athletes"]["rafael_nadal"]["photos"] == 1
    page = staff_client.get(f"/admin/classifier/modelversion/{model_version.pk}/change/")
    html = page.content.decode()
    assert "1/1 named surely and correctly" in html
    assert model_version.dev_det_curve.url in html
    plot = staff_client.get(model_version.dev_det_curve.url)
    assert plot.status_code == 200 and b"".join(plot.streaming_content).startswith(b"\x89PNG")


def test_the_held_out_report_and_its_curve_show_on_a_machine_that_did_not_train(
    machines, settings, trained_model_dir, staff_client
):
    curve = jpeg_bytes()  # any image: the page links the stored file
    model_version = trained(machines, trained_model_dir, **{artifact.HELD_OUT_DET_PLOT: curve})
    machines.move_to_b(settings)

    page = staff_client.get(f"/admin/classifier/modelversion/{model_version.pk}/change/")

    assert page.status_code == 200
    assert model_version.held_out_det_curve.url in page.content.decode()
    assert staff_client.get(model_version.held_out_det_curve.url).status_code == 200


def test_a_version_whose_folder_has_a_dev_report_keeps_it_in_storage(
    machines, settings, trained_model_dir
):
    report = {
        "others": {"photos": 2, "faces": 2, "faces_named": 0, "photos_named": [],
                   "photos_flagged": []},
        "athletes": {}, "groups": [], "scores": {"genuine": [], "impostor": []},
        "operating_points": {}, "model": "models/v1",
    }  # fmt: skip
    model_version = trained(
        machines,
        trained_model_dir,
        **{artifact.DEV_REPORT: json.dumps(report).encode(), artifact.DET_PLOT: jpeg_bytes()},
    )
    machines.move_to_b(settings)

    model_version = ModelVersion.objects.get(pk=model_version.pk)

    assert model_version.dev_report == report  # kept as the file had it
    with model_version.dev_det_curve.open("rb") as plot:
        assert plot.read() == jpeg_bytes()
