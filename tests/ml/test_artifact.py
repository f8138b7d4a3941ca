"""A trained model on disk: what its manifest records, what it holds, and what loading
refuses."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from ml import artifact
from ml.errors import ModelError
from ml.predictor import Predictor
from ml.weights import FACENET_SHA256

MANIFEST_KEYS = {
    "format_version",
    "labels",
    "display_names",
    "detector",
    "scoring",
    "lines",
    "calibration",
    "athlete_not_largest_face",
    "backbone_sha256",
    "input_size",
    "created_at",
    "training_counts",
    "reviewed_counts",
    "left_out",
    "skipped",
    "metrics",
    "network",
}
LABELS = ["lebron_james", "rafael_nadal"]


@pytest.fixture
def copy_of_model(tmp_path, trained_model_dir) -> Path:
    return Path(shutil.copytree(trained_model_dir, tmp_path / "model"))


def edit_manifest(model_dir: Path, **changes) -> None:
    path = model_dir / artifact.MANIFEST
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_the_manifest_records_everything_about_the_model(trained_model_dir):
    manifest = json.loads((trained_model_dir / artifact.MANIFEST).read_text())

    assert set(manifest) >= MANIFEST_KEYS
    assert manifest["format_version"] == artifact.FORMAT_VERSION
    assert manifest["labels"] == LABELS
    assert sorted(manifest["display_names"]) == LABELS
    assert manifest["display_names"]["rafael_nadal"] == "Rafael Nadal"
    assert manifest["detector"] == "blazeface"
    assert manifest["network"] == "dynamic-int8"
    for label in LABELS:
        lines = manifest["lines"][label]
        assert -1.0 < lines["unknown"] <= lines["sure"] < 1.0  # cosines
    assert manifest["scoring"] == artifact.COSINE
    calibration = manifest["calibration"]
    assert calibration["targets"] == {
        "false_accept": 0.001,
        "recall": 0.99,
        "flagged": 0.04,
        "sure_rate": 0.9,
    }
    assert calibration["lines"] == manifest["lines"]
    assert calibration["genuine"] == 60
    assert calibration["too_few_impostors"] is True  # trained without a cohort
    assert "No cohort of at least 1000 strangers' faces" in calibration["message"]
    assert calibration["estimated"]["impostors_named"] == 0
    assert set(calibration["levels"]) == {"sure", "unknown"}
    assert manifest["backbone_sha256"] == FACENET_SHA256
    assert manifest["input_size"] == 160
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert manifest["training_counts"] == {"lebron_james": 30, "rafael_nadal": 30}
    assert manifest["skipped"] == []
    assert manifest["metrics"]["identification_accuracy"] >= 0.98
    assert 0.8 <= manifest["metrics"]["accuracy_mean"] <= 1.0  # named surely; see benchmarks


def test_it_holds_the_centroids_but_not_the_backbone(trained_model_dir):
    files = {path.name: path.stat().st_size for path in trained_model_dir.iterdir()}

    assert artifact.CENTROIDS in files
    assert not [name for name in files if name.endswith(".h5")]
    assert sum(files.values()) < 5_000_000, files  # the backbone alone is 92 MB


def test_loading_gives_back_the_trained_model(trained_model_dir, facenet_weights):
    manifest = json.loads((trained_model_dir / artifact.MANIFEST).read_text())

    predictor = Predictor.load(trained_model_dir, facenet_weights)

    assert predictor.manifest.labels == LABELS
    assert predictor.embedder.network == manifest["network"]
    assert predictor.detector.name == manifest["detector"]
    for label in LABELS:
        lines = predictor.recognizer.lines[label]
        assert lines.to_dict() == manifest["lines"][label]
    centres = predictor.recognizer.centres
    assert centres.shape == (len(LABELS), 128)
    assert np.linalg.norm(centres, axis=1) == pytest.approx(np.ones(len(LABELS)), abs=1e-4)


def test_a_model_made_before_dynamic_int8_is_served_with_float32(
    copy_of_model, facenet_weights, monkeypatch
):
    """Its lines were set on float32 embeddings, so it keeps them (ml.weights.NETWORKS)."""
    path = copy_of_model / artifact.MANIFEST
    manifest = json.loads(path.read_text())
    del manifest["network"]
    path.write_text(json.dumps(manifest))
    networks = []
    monkeypatch.setattr("ml.predictor.Embedder", lambda weights, network: networks.append(network))

    Predictor.load(copy_of_model, facenet_weights)

    assert networks == ["float32"]
    assert artifact.Manifest.read(copy_of_model).network == "float32"


def test_a_model_of_format_2_is_served_as_it_was_made(copy_of_model, facenet_weights):
    """Format 2 had no cohort: its lines are on plain cosines, and it loads unchanged."""
    edit_manifest(copy_of_model, format_version=2, scoring="cosine to each athlete's centroid")

    predictor = Predictor.load(copy_of_model, facenet_weights)

    assert predictor.recognizer.normaliser is None
    assert predictor.manifest.format_version == 2


def model_with_a_cohort(model_dir: Path, lines, format_version: int = artifact.FORMAT_VERSION):
    """A recognizer normalising against a cohort of 1,200 faces, saved with `lines` (one
    Lines for both athletes) in a manifest of `format_version`; and the fitted recognizer."""
    from ml.normalisation import Normaliser
    from ml.recognizer import Recognizer

    rng = np.random.default_rng(0)
    centres, cohort = unit(rng.normal(size=(2, 128))), unit(rng.normal(size=(1200, 128)))
    fitted = Recognizer(LABELS, centres, dict.fromkeys(LABELS, lines), Normaliser(centres, cohort))
    artifact.save_recognizer(model_dir, fitted)
    manifest = artifact.Manifest(
        version="v",
        labels=LABELS,
        display_names={},
        detector="blazeface",
        lines={label: lines.to_dict() for label in LABELS},
        calibration={},
        input_size=160,
        created_at=datetime.now().astimezone(),
        seed=0,
        training_counts={},
        scoring=artifact.scoring_of(fitted),
        format_version=format_version,
    )
    manifest.write(model_dir)
    return fitted


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def test_a_model_with_a_cohort_keeps_it_and_scores_as_it_was_fitted(tmp_path):
    from ml.recognizer import Lines

    lines = Lines(sure=4.0, unknown=2.0, sure_without_cohort=0.7)
    fitted = model_with_a_cohort(tmp_path, lines)
    faces = unit(fitted.centres[[0, 1, 0]] + 0.1 * np.random.default_rng(1).normal(size=(3, 128)))

    loaded = artifact.load_recognizer(tmp_path)

    assert artifact.Manifest.read(tmp_path).scoring == artifact.NORMALISED
    assert loaded.lines == fitted.lines
    assert np.allclose(loaded.scores(faces), fitted.scores(faces))
    assert not np.allclose(loaded.scores(faces), loaded.cosines(faces))
    (tmp_path / artifact.COHORT).unlink()
    with pytest.raises(ModelError, match="cohort.npz is missing"):
        artifact.load_recognizer(tmp_path)


def test_a_model_with_a_cohort_of_format_3_names_on_its_score_alone_and_says_so(tmp_path, caplog):
    """Format 3 had no sure line without the cohort: it loads and names as it was made."""
    from ml.recognizer import Lines

    fitted = model_with_a_cohort(tmp_path, Lines(sure=4.0, unknown=2.0), format_version=3)
    centre = fitted.centres[0]
    away = unit(np.random.default_rng(2).normal(size=128))
    look_alike = unit(0.6 * centre + 0.8 * unit(away - (away @ centre) * centre))[None]
    assert fitted.scores(look_alike)[0, 0] >= 4.0  # named on the score, at a cosine of 0.6

    loaded = artifact.load_recognizer(tmp_path)

    assert loaded.lines[LABELS[0]].sure_without_cohort is None
    assert loaded.name(look_alike)[0].label == LABELS[0]
    assert "Train it again to guard it" in caplog.text
    guarded = Lines(sure=4.0, unknown=2.0, sure_without_cohort=0.7)
    model_with_a_cohort(tmp_path, guarded)
    caplog.clear()
    assert artifact.load_recognizer(tmp_path).name(look_alike)[0].needs_review
    assert "Train it again" not in caplog.text


def test_it_refuses_another_format_version(copy_of_model, facenet_weights):
    newer = artifact.FORMAT_VERSION + 1
    edit_manifest(copy_of_model, format_version=newer)

    readable = ", ".join(map(str, artifact.READABLE_FORMATS))
    expected = rf"format {newer}.*reads formats {readable}.*python -m ml train"
    with pytest.raises(ModelError, match=expected):
        Predictor.load(copy_of_model, facenet_weights)


def test_it_refuses_a_model_trained_on_another_backbone(copy_of_model, facenet_weights):
    edit_manifest(copy_of_model, backbone_sha256="0" * 64)

    with pytest.raises(ModelError, match=r"different FaceNet backbone.*python -m ml train"):
        Predictor.load(copy_of_model, facenet_weights)


def test_it_refuses_a_folder_without_a_manifest(copy_of_model, facenet_weights):
    (copy_of_model / artifact.MANIFEST).unlink()

    with pytest.raises(ModelError, match=r"No model at .*manifest\.json is missing"):
        Predictor.load(copy_of_model, facenet_weights)


def test_it_refuses_a_manifest_that_is_not_json(copy_of_model, facenet_weights):
    (copy_of_model / artifact.MANIFEST).write_text('{"format_version": 1,')

    with pytest.raises(ModelError, match="not valid JSON"):
        Predictor.load(copy_of_model, facenet_weights)


def test_the_manifest_reads_back_exactly_as_it_was_written(trained_model_dir):
    written = json.loads((trained_model_dir / artifact.MANIFEST).read_text())

    manifest = artifact.Manifest.read(trained_model_dir)

    assert manifest.to_dict() == written
    assert artifact.Manifest.from_dict(manifest.to_dict()) == manifest
    assert manifest.version == trained_model_dir.name
    assert manifest.labels == LABELS


def test_it_refuses_a_manifest_missing_a_field_by_name(copy_of_model, facenet_weights):
    path = copy_of_model / artifact.MANIFEST
    manifest = json.loads(path.read_text())
    del manifest["lines"]
    path.write_text(json.dumps(manifest))

    with pytest.raises(ModelError, match=r"has no lines in its manifest"):
        Predictor.load(copy_of_model, facenet_weights)


@pytest.mark.parametrize("stored", [[], "v1", None, {"labels": ["rafael_nadal"]}])
def test_a_stored_manifest_of_no_known_format_is_refused_with_a_model_error(stored):
    expected = rf"has model format None; .* reads formats 2, 3, {artifact.FORMAT_VERSION}\."
    with pytest.raises(ModelError, match=expected):
        artifact.Manifest.from_dict(stored)
