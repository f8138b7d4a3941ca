"""`python -m ml` as another tool runs it: a subprocess, JSON lines out, errors on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ["weights", "train", "predict", "evaluate", "bench", "cluster"]


def run_ml(*args, weights: Path | None = None, timeout: float = 180):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if weights is not None:
        env["ATHLETES_FACENET_WEIGHTS"] = str(weights)
    return subprocess.run(
        [sys.executable, "-m", "ml", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_lists_every_subcommand():
    run = run_ml("--help")

    assert run.returncode == 0, run.stderr
    for command in SUBCOMMANDS:
        assert command in run.stdout


@pytest.fixture(scope="module")
def prediction(tmp_path_factory, trained_model_dir, facenet_weights, photo_path):
    folder = tmp_path_factory.mktemp("cli")
    not_a_photo = folder / "x.jpg"
    not_a_photo.write_text("this is a text file with a photo's name\n")
    annotated = folder / "annotated"
    run = run_ml(
        "predict",
        "--model",
        trained_model_dir,
        photo_path("nadal(3).jpg"),
        not_a_photo,
        "--annotate",
        annotated,
        weights=facenet_weights,
    )
    return run, annotated


def test_predict_prints_one_json_object_per_image(prediction, photo_path):
    run, _ = prediction

    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]  # nothing else on stdout
    assert len(lines) == 2
    nadal, refused = lines
    assert nadal["path"] == str(photo_path("nadal(3).jpg"))
    assert nadal["label"] == "rafael_nadal"
    assert 0.5 <= nadal["score"] <= 1.0
    assert (nadal["needs_review"], nadal["faces_found"], nadal["faces_capped"]) == (False, 1, False)
    assert "error" not in nadal
    (face,) = nadal["faces"]
    assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
    assert (face["label"], face["candidate"], face["needs_review"]) == (
        "rafael_nadal",
        "rafael_nadal",
        False,
    )
    assert face["score"] == nadal["score"]
    assert refused["path"].endswith("x.jpg")
    assert "not an image we can read" in refused["error"]
    assert (refused["label"], refused["score"], refused["faces"]) == (None, None, [])


def test_predict_prints_no_native_library_noise(prediction):
    run, _ = prediction

    for noise in ("XNNPACK", "absl", "TensorFlow", "oneDNN", "I0000", "W0000"):
        assert noise not in run.stderr, run.stderr


def test_predict_writes_the_annotated_photo(prediction, photo_path):
    _, annotated = prediction

    assert sorted(p.name for p in annotated.iterdir()) == ["0001-nadal(3).annotated.jpg"]
    with Image.open(annotated / "0001-nadal(3).annotated.jpg") as image:
        assert image.format == "JPEG"
        assert image.size == Image.open(photo_path("nadal(3).jpg")).size


def test_weights_check_accepts_the_real_file(facenet_weights):
    run = run_ml("weights", "check", weights=facenet_weights)

    assert run.returncode == 0, run.stderr
    assert "FaceNet weights OK" in run.stdout
    for network in ("float32", "dynamic-int8"):  # `weights fetch` converted both
        assert f"FaceNet converted for LiteRT, {network}: " in run.stdout


def test_progress_goes_to_stderr_and_the_result_to_stdout(facenet_weights):
    run = run_ml("weights", "fetch", weights=facenet_weights)

    assert run.returncode == 0, run.stderr
    assert f"FaceNet weights already in place: {facenet_weights}" in run.stderr
    assert "already in place" not in run.stdout
    converted = [line.split(":")[0] for line in run.stdout.splitlines()]
    assert converted == [
        "FaceNet converted for LiteRT, float32",
        "FaceNet converted for LiteRT, dynamic-int8",
    ]


def test_weights_check_fails_on_a_junk_file_with_the_fix_on_stderr(tmp_path):
    junk = tmp_path / "facenet_keras.h5"
    junk.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 1000)

    run = run_ml("weights", "check", weights=junk)

    assert run.returncode != 0
    assert run.stdout == ""
    assert "expected" in run.stderr and "sha256" in run.stderr
    assert "python -m ml weights fetch" in run.stderr
    assert "Traceback" not in run.stderr


def test_train_refuses_a_display_name_without_its_label(tmp_path):
    run = run_ml("train", "--data", tmp_path, "--out", tmp_path, "--name", "LeBron James")

    assert run.returncode == 2
    assert "expected LABEL=NAME, got 'LeBron James'" in run.stderr


def test_train_refuses_rejected_faces_that_are_not_embeddings_before_training(tmp_path):
    import numpy as np

    rejected = tmp_path / "rejected.npz"
    np.savez(rejected, lebron_james=np.zeros((2, 64), np.float32))

    run = run_ml("train", "--data", tmp_path, "--out", tmp_path / "out", "--rejected", rejected)

    assert run.returncode == 2
    assert "lebron_james holds an array of shape (2, 64)" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_bench_recognition_prints_each_roster_side_by_side_plain_and_normalised():
    run = run_ml(
        "bench", "recognition", "--roster", "2", "--roster", "30", "--cohort-faces", "1000"
    )

    assert run.returncode == 0, run.stderr
    rows = dict(line.split(maxsplit=1) for line in run.stdout.splitlines())
    assert rows["athletes"].split() == ["2", "30", "2", "30"]
    assert rows["cohort_faces"].split() == ["0", "0", "1000", "1000"]
    assert len(rows["per_face_median_us"].split()) == 4


def test_replay_and_league_evaluation_refuse_a_missing_folder_in_words(tmp_path):
    for command in (["replay"], ["evaluate"]):
        run = run_ml(*command, "--league", tmp_path / "nowhere", "--out", tmp_path)

        assert run.returncode == 2, run.stderr
        assert f"Folder not found: {tmp_path / 'nowhere' / 'enrol'}" in run.stderr
        assert "Traceback" not in run.stderr


def test_train_refuses_a_missing_cohort_folder_in_words(tmp_path):
    run = run_ml("train", "--data", tmp_path, "--out", tmp_path, "--cohort", tmp_path / "no")

    assert run.returncode == 2
    assert f"Folder not found: {tmp_path / 'no'}" in run.stderr
    assert "Traceback" not in run.stderr


def test_bench_of_the_predictor_asks_for_the_model_in_words(tmp_path):
    run = run_ml("bench", "--data", tmp_path)

    assert run.returncode == 2
    assert "Give --model: the trained model folder to benchmark." in run.stderr
    assert "Traceback" not in run.stderr
