"""Training from a folder of labelled photos: photos without a face are reported and
skipped, counts are right, and the same photos and seed give the same model."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml import artifact
from ml.errors import ModelError
from ml.training import train
from tests.logs import logged_lines

REPO = Path(__file__).resolve().parents[2]
BLANK_NAME = "blank page (1).png"  # one per athlete folder of `small_dataset`
LABELS = ["lebron_james", "rafael_nadal"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, small_dataset, facenet_weights) -> tuple[Path, list[str]]:
    with logged_lines() as said:
        model_dir = train(
            small_dataset,
            tmp_path_factory.mktemp("models"),
            weights=facenet_weights,
            seed=7,
            cv_folds=0,
            display_names={"lebron_james": "LeBron James"},
        )
    return model_dir, said


def manifest_of(model_dir: Path) -> dict:
    return json.loads((model_dir / artifact.MANIFEST).read_text())


def test_it_trains_on_file_names_with_spaces_and_parentheses(first_run, small_dataset):
    model_dir, _ = first_run
    names = [path.name for path in small_dataset.rglob("*.jpg")]
    assert all(" " in name and "(" in name for name in names)

    assert manifest_of(model_dir)["training_counts"] == {"lebron_james": 6, "rafael_nadal": 6}


def test_display_names_are_given_or_made_from_the_folder_name(first_run):
    model_dir, _ = first_run

    assert manifest_of(model_dir)["display_names"] == {
        "lebron_james": "LeBron James",
        "rafael_nadal": "Rafael Nadal",
    }


def test_it_reports_and_skips_photos_without_a_face(first_run, small_dataset):
    model_dir, said = first_run

    skipped = manifest_of(model_dir)["skipped"]

    assert sorted(item["path"] for item in skipped) == sorted(
        str(small_dataset / label / BLANK_NAME) for label in LABELS
    )
    assert {item["reason"] for item in skipped} == {"no face found"}
    for label in LABELS:
        assert any("skipped" in line and f"{label}/{BLANK_NAME}" in line for line in said)


def test_it_logs_progress(first_run):
    _, said = first_run

    assert said[0].startswith("Training on 14 photos of 2 athletes")
    assert any("embedded 14/14" in line for line in said)
    assert said[-1].startswith("Saved model")


def test_without_cross_validation_the_metrics_hold_only_the_held_out_report(first_run):
    model_dir, _ = first_run

    metrics = manifest_of(model_dir)["metrics"]
    assert list(metrics) == ["held_out"]
    assert metrics["held_out"]["reviewed_faces"] == 0
    assert not (model_dir / artifact.CONFUSION_PLOT).exists()


def test_the_same_photos_and_seed_give_the_same_model(
    first_run, tmp_path, small_dataset, facenet_weights
):
    first, _ = first_run

    second = train(small_dataset, tmp_path, weights=facenet_weights, seed=7, cv_folds=0)

    assert second != first
    assert manifest_of(second)["lines"] == manifest_of(first)["lines"]
    centroids = [np.load(run / artifact.CENTROIDS)["centroids"] for run in (first, second)]
    np.testing.assert_array_equal(*centroids)


def test_a_folder_with_one_athlete_is_refused(tmp_path, small_dataset, facenet_weights):
    shutil.copytree(small_dataset / "rafael_nadal", tmp_path / "data" / "rafael_nadal")

    with pytest.raises(ModelError, match=r"1 athlete\(s\); training needs at least two"):
        train(tmp_path / "data", tmp_path / "out", weights=facenet_weights, cv_folds=0)
    assert not (tmp_path / "out").exists()


def test_a_missing_folder_is_refused(tmp_path, facenet_weights):
    with pytest.raises(ModelError, match="Dataset folder not found"):
        train(tmp_path / "nowhere", tmp_path / "out", weights=facenet_weights, cv_folds=0)


def test_an_athlete_without_any_usable_photo_is_refused_by_name(
    tmp_path, small_dataset, facenet_weights
):
    data = tmp_path / "data"
    (data / "lebron_james").mkdir(parents=True)
    shutil.copy(small_dataset / "lebron_james" / BLANK_NAME, data / "lebron_james")
    shutil.copytree(small_dataset / "rafael_nadal", data / "rafael_nadal")

    with pytest.raises(ModelError, match="lebron_james"):
        train(data, tmp_path / "out", weights=facenet_weights, cv_folds=0)


def test_training_does_not_import_the_demo_cnn():
    probe = "import sys, ml.training; print(sorted(m for m in sys.modules if m == 'ml.baseline'))"

    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )

    assert run.stdout.strip().splitlines()[-1] == "[]"


@pytest.fixture(scope="module")
def crowded_dataset(tmp_path_factory, small_dataset, photo, stranger) -> Path:
    """The small dataset plus one Nadal photo where a stranger's face is larger than his."""
    from PIL import Image

    root = Path(shutil.copytree(small_dataset, tmp_path_factory.mktemp("crowded") / "data"))
    frame = Image.new("RGB", (900, 520), (128, 128, 128))
    frame.paste(stranger.resize((500, 500)), (0, 10))
    nadal = photo("nadal(3).jpg").crop((276, 31, 481, 264))  # his face with a margin
    frame.paste(nadal.resize((round(nadal.width * 0.7), round(nadal.height * 0.7))), (640, 150))
    frame.save(root / "rafael_nadal" / "stranger in front.jpg")
    return root


def test_training_keeps_the_athletes_face_when_a_stranger_is_larger(
    crowded_dataset, tmp_path, facenet_weights
):
    from ml.faces import FaceDetector
    from ml.imaging import load_image

    composite = crowded_dataset / "rafael_nadal" / "stranger in front.jpg"
    faces = FaceDetector().detect(load_image(composite).image).faces
    assert len(faces) == 2 and faces[0].box[0] < 500, "the stranger is the largest face"

    model_dir = train(crowded_dataset, tmp_path, weights=facenet_weights, cv_folds=0)

    assert manifest_of(model_dir)["athlete_not_largest_face"] == [str(composite)]


def test_it_fits_reviewed_faces_and_reports_on_the_held_out_ones(
    tmp_path, small_dataset, facenet_weights, photo, detector, embedder
):
    from ml.reviewed import ReviewedFace, held_out

    def embedding(name: str) -> np.ndarray:
        """The photo's largest face, embedded as the site stores it."""
        return embedder.embed(np.stack([detector.detect(photo(name)).faces[0].crop]))[0]

    ids = [f"prediction-{n}" for n in range(100)]
    fitted, held = [i for i in ids if not held_out(i)], [i for i in ids if held_out(i)]

    def faces(side: list[str], label: str, *names: str) -> list[ReviewedFace]:
        return [ReviewedFace(side.pop(), embedding(name), label) for name in names]

    # A stranger: a real embedding's numbers in reverse order, unit length and nobody's face.
    stranger = embedding("nadal(1).jpg")[::-1].copy()
    reviewed = [
        *faces(fitted, LABELS[0], "james(1).jpg", "james(2).jpg"),
        *faces(held, LABELS[0], "james(3).jpg", "james(4).jpg"),
        *faces(fitted, LABELS[1], "nadal(11).jpg", "nadal(12).jpg"),
        *faces(held, LABELS[1], "nadal(13).jpg", "nadal(14).jpg"),
        ReviewedFace(fitted.pop(), stranger, "unknown"),
        ReviewedFace(held.pop(), stranger, "unknown"),
    ]

    model_dir = train(
        small_dataset, tmp_path, weights=facenet_weights, cv_folds=0, reviewed=reviewed
    )

    manifest = manifest_of(model_dir)
    report = manifest["metrics"]["held_out"]
    assert (report["reviewed_faces"], report["fitted_faces"], report["held_out_faces"]) == (
        10,
        5,
        5,
    )
    for label in LABELS:
        athlete = report["athletes"][label]
        assert (athlete["training_photos"], athlete["reviewed_positives"]) == (6, 2)
        assert athlete["held_out"] == 2
        assert manifest["calibration"]["per_athlete"][label]["genuine_photos"] == 6 + 2
    assert report["strangers"]["held_out"] == 1
    assert manifest["training_counts"] == {"lebron_james": 6, "rafael_nadal": 6}
    assert (model_dir / artifact.HELD_OUT_DET_PLOT).read_bytes().startswith(b"\x89PNG")
