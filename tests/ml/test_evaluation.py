"""Cross-validation on a small folder: ours and the demo's CNN on the same folds."""

from __future__ import annotations

import pytest
from PIL import Image

from ml.comparison import evaluate
from ml.evaluation import misses, save_confusion_plot
from ml.results import NO_FACE, UNKNOWN

LABELS = ["lebron_james", "rafael_nadal"]
PHOTOS = 14  # six photos and one blank image per athlete in `small_dataset`
FOLDS, REPEATS = 2, 1


@pytest.fixture(scope="module")
def report(small_dataset, facenet_weights) -> dict:
    return evaluate(
        small_dataset,
        weights=facenet_weights,
        folds=FOLDS,
        repeats=REPEATS,
        seed=0,
        with_baseline=True,
    )


def test_it_reports_ours_beside_the_demo_cnn(report):
    assert set(report) == {"ours", "baseline"}


@pytest.mark.parametrize("model", ["ours", "baseline"])
def test_accuracies_are_fractions_for_every_fold(report, model):
    metrics = report[model]

    assert len(metrics["fold_accuracies"]) == FOLDS * REPEATS
    assert all(0.0 <= accuracy <= 1.0 for accuracy in metrics["fold_accuracies"])
    assert metrics["accuracy_mean"] == pytest.approx(
        sum(metrics["fold_accuracies"]) / (FOLDS * REPEATS)
    )
    assert 0.0 <= metrics["accuracy_std"] <= 0.5


@pytest.mark.parametrize("model", ["ours", "baseline"])
def test_the_confusion_matrix_counts_every_photo_once_per_repeat(report, model):
    confusion = report[model]["confusion_matrix"]

    assert confusion["rows"] == LABELS
    assert confusion["columns"] == [*LABELS, "needs_review", UNKNOWN, NO_FACE]
    assert sum(map(sum, confusion["counts"])) == PHOTOS * REPEATS
    assert [sum(row) for row in confusion["counts"]] == [PHOTOS // 2 * REPEATS] * 2


@pytest.mark.parametrize("model", ["ours", "baseline"])
def test_it_gives_precision_and_recall_per_athlete(report, model):
    per_label = report[model]["per_label"]

    assert sorted(per_label) == LABELS
    for scores in per_label.values():
        assert 0.0 <= scores["precision"] <= 1.0
        assert 0.0 <= scores["recall"] <= 1.0


def test_ours_never_mistakes_one_athlete_for_the_other(report):
    counts = report["ours"]["confusion_matrix"]["counts"]

    assert counts[0][1] == counts[1][0] == 0
    assert counts[0][0] + counts[1][1] >= (PHOTOS - 2) * REPEATS * 0.75
    for scores in report["ours"]["per_label"].values():
        assert scores["precision"] == 1.0


def test_ours_counts_a_blank_photo_as_no_face(report):
    counts = report["ours"]["confusion_matrix"]["counts"]

    assert [row[-1] for row in counts] == [REPEATS, REPEATS]  # one blank per athlete


def test_the_demo_cnn_only_ever_answers_an_athlete(report):
    counts = report["baseline"]["confusion_matrix"]["counts"]

    assert [row[-3:] for row in counts] == [[0, 0, 0], [0, 0, 0]]


def test_every_held_out_photo_not_named_surely_is_counted_once_by_what_it_got(report):
    confusion = report["ours"]["confusion_matrix"]
    named_surely = confusion["counts"][0][0] + confusion["counts"][1][1]

    missed = misses(confusion)

    assert missed["no_face"] == REPEATS * 2  # the blank photos
    assert named_surely + sum(missed.values()) == PHOTOS * REPEATS


def test_a_flag_or_unknown_is_told_apart_from_a_wrong_name():
    columns = [*LABELS, "needs_review", UNKNOWN, NO_FACE]
    honest = {"rows": LABELS, "columns": columns, "counts": [[76, 0, 8, 6, 0], [0, 77, 7, 6, 0]]}
    mistaken = {"rows": LABELS, "columns": columns, "counts": [[5, 1, 0, 0, 1], [2, 4, 0, 0, 0]]}

    assert misses(honest) == {"flagged": 15, "unknown": 12, "no_face": 0, "named_wrongly": 0}
    assert misses(mistaken) == {"flagged": 0, "unknown": 0, "no_face": 1, "named_wrongly": 3}


def test_the_confusion_plot_is_written_as_a_png(report, tmp_path):
    path = tmp_path / "plots" / "confusion_ours.png"

    save_confusion_plot(report["ours"]["confusion_matrix"], path)

    with Image.open(path) as plot:
        assert plot.format == "PNG"
        assert plot.width > plot.height  # five columns across, two athletes down
