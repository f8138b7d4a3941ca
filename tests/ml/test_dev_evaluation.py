"""`python -m ml evaluate --dev`: a desk's report on photos the model never trained on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.ml.test_cli import run_ml


@pytest.fixture(scope="module")
def dev_folder(tmp_path_factory, photo_path, stranger) -> Path:
    """Laid out like the lookalikes set: athletes, others/ (in sub-folders) and groups/."""
    root = tmp_path_factory.mktemp("dev")
    for name, folder in [("nadal(3).jpg", "rafael_nadal"), ("james(5).jpg", "lebron_james")]:
        (root / folder).mkdir()
        shutil.copy(photo_path(name), root / folder / name)
    (root / "others" / "eileen_collins").mkdir(parents=True)
    stranger.save(root / "others" / "eileen_collins" / "a.png")
    (root / "groups").mkdir()
    shutil.copy(photo_path("nadal(19).jpg"), root / "groups" / "crowd.jpg")
    (root / "SOURCES.tsv").write_text("file\tnote\ngroups/crowd.jpg\tWITH Nadal\n")
    return root


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory, dev_folder, trained_model_dir, facenet_weights):
    out = tmp_path_factory.mktemp("dev-report")
    run = run_ml(
        "evaluate",
        "--dev",
        dev_folder,
        "--model",
        trained_model_dir,
        "--out",
        out,
        weights=facenet_weights,
    )
    return run, out


def test_it_prints_false_accepts_recall_and_each_group_photo(dev_run):
    run, _ = dev_run

    assert run.returncode == 0, run.stderr
    assert "others/: 0 of 1 faces named as an athlete (in 0 of 1 photos)" in run.stdout
    assert "rafael_nadal/: 1/1 named surely and correctly" in run.stdout
    assert "lebron_james/: 1/1 named surely and correctly" in run.stdout
    assert "groups/crowd.jpg:" in run.stdout and "[WITH Nadal]" in run.stdout


def test_it_saves_the_figures_as_json_and_a_det_curve_png(dev_run, trained_model_dir):
    _, out = dev_run

    report = json.loads((out / "dev_evaluation.json").read_text())
    assert report["model"] == str(trained_model_dir)
    assert report["others"]["faces_named"] == 0
    assert report["athletes"]["rafael_nadal"]["named_correctly"] == 1
    assert [group["path"] for group in report["groups"]] == ["groups/crowd.jpg"]
    assert {"sure", "unknown"} == set(report["operating_points"])
    assert len(report["scores"]["genuine"]) == 2 and len(report["scores"]["impostor"]) == 1
    with Image.open(out / "det_curve.png") as plot:
        assert plot.format == "PNG"
