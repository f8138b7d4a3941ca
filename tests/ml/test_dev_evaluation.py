"""`python -m ml evaluate --dev`: a desk's report on photos the model never trained on."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from ml.dev_report import DevReport
from ml.errors import ModelError
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
    assert DevReport.from_dict(report).to_dict() == report  # read back whole
    with Image.open(out / "det_curve.png") as plot:
        assert plot.format == "PNG"


def test_a_report_compared_with_another_detector_keeps_its_counts_when_read_back():
    stored = {
        "others": {"photos": 1, "faces": 1, "faces_named": 0, "photos_named": [],
                   "photos_flagged": []},
        "athletes": {},
        "groups": [{"path": "groups/a.jpg", "label": "unknown", "needs_review": False,
                    "faces": 2, "named": [], "flagged": [], "note": "", "compared": 3,
                    "missed": [[1, 2, 40, 40]]}],
        "scores": {"genuine": [], "impostor": [["rafael_nadal", 0.1, 0.1]]},
        "operating_points": {},
        "groups_missed_faces": 1,
        "groups_compared_faces": 3,
        "compared_with": "mtcnn",
        "model": "models/v1",
    }  # fmt: skip

    report = DevReport.from_dict(stored)

    assert (report.groups_compared_faces, report.groups_missed_faces) == (3, 1)
    assert report.to_dict() == stored
    uncompared = replace(report.groups[0], compared=None, missed=None).to_dict()
    assert "compared" not in uncompared and "missed" not in uncompared


def test_a_file_that_is_not_a_dev_report_is_refused_in_words():
    with pytest.raises(ModelError, match="is not a dev report"):
        DevReport.from_dict({"others": {"photos": 2}}, "models/v1/dev_evaluation.json")
