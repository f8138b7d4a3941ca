"""Reviewed faces in training: faces reviewed as an athlete are fitted as theirs, one photo in
four is held out and never fitted, and the report measured on it says what it can."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ml.calibration import DEFAULT_TARGETS, fit
from ml.dataset import LabelledPhoto
from ml.features import PhotoEmbeddings
from ml.held_out import AthleteHeldOut, HeldOutReport, StrangersHeldOut, measure
from ml.recognizer import Lines, Recognizer
from ml.reviewed import ReviewedFace, held_out, positives, split, strangers
from ml.training import fit_with_reviews

LEBRON, NADAL = "lebron_james", "rafael_nadal"
LABELS = [LEBRON, NADAL]
RNG = np.random.default_rng(3)


def axis(number: int) -> np.ndarray:
    vector = np.zeros(128, np.float32)
    vector[number] = 1.0
    return vector


def near(number: int, spread: float = 0.5) -> np.ndarray:
    vector = axis(number) + spread * RNG.normal(size=128) / np.sqrt(128)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def training_photos() -> list[PhotoEmbeddings]:
    """Ten photos each: LeBron near axis 0, Nadal near axis 1, a stranger beside each."""
    photos = []
    for number in range(10):
        for label, centre in ((LEBRON, 0), (NADAL, 1)):
            faces = np.stack([[face, face] for face in (near(centre), near(50, 3.0))])
            photos.append(
                PhotoEmbeddings(LabelledPhoto(Path(f"{label}/{number}.jpg"), label), faces)
            )
    return photos


def photo_ids(held: bool, count: int) -> list[str]:
    """Photo ids that the split puts on the `held` side."""
    return [f"photo-{n}" for n in range(1000) if held_out(f"photo-{n}") == held][:count]


def test_faces_reviewed_as_an_athlete_move_their_centroid_and_count_as_their_faces():
    photos = training_photos()
    reviewed = {LEBRON: np.stack([near(2, 0.2) for _ in range(5)])}

    before, before_calibration = fit(photos, LABELS)
    after, calibration = fit(photos, LABELS, confirmed=reviewed)

    assert after.centres[0][2] > before.centres[0][2] + 0.2  # towards the reviewed faces
    assert np.allclose(after.centres[1], before.centres[1])  # Nadal's untouched
    assert calibration.per_athlete[LEBRON]["genuine_photos"] == 10 + 5
    assert calibration.genuine == before_calibration.genuine + 5
    # Nadal's impostors now include the five reviewed LeBron faces.
    assert calibration.per_athlete[NADAL]["impostors"] == (
        before_calibration.per_athlete[NADAL]["impostors"] + 5
    )


def test_two_faces_of_one_photo_stay_on_one_side_and_the_split_never_changes():
    faces = [
        ReviewedFace(f"photo-{n}", near(0), answer)
        for n in range(40)
        for answer in (LEBRON, "unknown")
    ]

    fitting, measuring = split(faces)

    fitted_photos = {face.photo for face in fitting}
    held_photos = {face.photo for face in measuring}
    assert not fitted_photos & held_photos
    assert len(fitting) == 2 * len(fitted_photos) and len(measuring) == 2 * len(held_photos)
    assert 0 < len(held_photos) < 20  # about one in four of 40
    assert split(faces) == (fitting, measuring)


def test_held_out_reviewed_faces_never_reach_the_fit():
    photos = training_photos()
    fitted = [ReviewedFace(pid, near(2, 0.2), LEBRON) for pid in photo_ids(False, 4)]
    fitted += [ReviewedFace(pid, near(60), "unknown") for pid in photo_ids(False, 8)[4:]]
    # Held-out faces far from where they would pull: fitted, they would move both centroids.
    held = [ReviewedFace(pid, near(3, 0.2), LEBRON) for pid in photo_ids(True, 3)]
    held += [ReviewedFace(pid, near(1, 0.1), NADAL) for pid in photo_ids(True, 6)[3:]]
    held += [ReviewedFace(pid, near(70), "unknown") for pid in photo_ids(True, 9)[6:]]
    counts = dict.fromkeys(LABELS, 10)

    recognizer, calibration, report = fit_with_reviews(
        photos, LABELS, DEFAULT_TARGETS, None, fitted + held, counts
    )

    only_fitted, expected = fit(
        photos,
        LABELS,
        confirmed=positives(fitted, LABELS),
        strangers=strangers(fitted, LABELS),
    )
    everything, _ = fit(
        photos,
        LABELS,
        confirmed=positives(fitted + held, LABELS),
        strangers=strangers(fitted + held, LABELS),
    )
    assert np.array_equal(recognizer.centres, only_fitted.centres)
    assert recognizer.lines == only_fitted.lines
    assert calibration.to_dict() == expected.to_dict()
    assert not np.allclose(everything.centres, recognizer.centres)  # the test can tell
    assert (report.fitted_faces, report.held_out_faces) == (8, 9)
    assert report.athletes[LEBRON].reviewed_positives == 4
    assert report.athletes[LEBRON].held_out == 3
    assert report.athletes[NADAL].held_out == 3
    assert report.strangers.held_out == 3


def test_the_report_counts_a_small_known_case():
    lines = Lines(sure=0.8, unknown=0.6)
    recognizer = Recognizer(LABELS, np.stack([axis(0), axis(1)]), {LEBRON: lines, NADAL: lines})

    def mix(*parts: tuple[int, float]) -> np.ndarray:
        rest = np.sqrt(1.0 - sum(weight**2 for _, weight in parts))
        return sum((weight * axis(n) for n, weight in parts), rest * axis(9))

    held = [
        ReviewedFace("a", axis(0), LEBRON),  # named surely
        ReviewedFace("b", mix((0, 0.7)), LEBRON),  # flagged for review as LeBron
        ReviewedFace("c", mix((0, 0.3), (1, 0.9)), LEBRON),  # named Nadal: wrongly
        ReviewedFace("d", mix((1, 0.9)), "unknown"),  # a stranger named Nadal
        ReviewedFace("e", mix((0, 0.7)), "unknown"),  # a stranger flagged as LeBron
        ReviewedFace("f", axis(5), "unknown"),  # a stranger nobody
    ]
    fitting = [ReviewedFace("g", axis(1), NADAL), ReviewedFace("h", axis(6), "unknown")]

    report = measure(recognizer, fitting, held, {LEBRON: 10, NADAL: 12}, {LEBRON: 100, NADAL: 90})

    assert report.athletes[LEBRON] == AthleteHeldOut(
        training_photos=10,
        reviewed_positives=0,
        impostors=100,
        reviewed_impostors=2,
        held_out=3,
        sure=1,
        flagged=2,
        named_wrongly=1,
    )
    assert report.athletes[NADAL].reviewed_positives == 1
    assert report.athletes[NADAL].reviewed_impostors == 1
    assert report.strangers == StrangersHeldOut(held_out=3, named=1, flagged=1)
    assert report.det.operating_points["sure"].false_accept == 0.3333  # 0.9 of 3 strangers
    assert report.det.operating_points["sure"].false_reject == 0.6667  # 0.7 and 0.3
    assert report.det.operating_points["unknown"].false_accept == 0.6667
    assert report.det.operating_points["unknown"].false_reject == 0.3333
    rows = dict(report.describe())
    assert rows["Held-out recall"] == ("named surely 1/3 (33.3%), at least flagged 2/3 (66.7%)")
    assert rows["Held-out false accepts"] == (
        "1 of 3 faces of other people named, 1 flagged for review; "
        "1 athletes' faces named as another athlete"
    )
    assert rows["Reviewed faces"].startswith("8: 2 fitted, 6 held out to measure on (from 6 ")
    assert rows[NADAL].endswith("held out: 0, recall n/a, 0 held-out faces")
    assert rows["Sure lines on held-out faces"] == "false accepts 33.3%, false rejects 66.7%"
    assert report.det.drawable


def test_with_nothing_held_out_the_report_says_n_a_rather_than_a_rate():
    recognizer = Recognizer(
        LABELS, np.stack([axis(0), axis(1)]), dict.fromkeys(LABELS, Lines(0.8, 0.6))
    )

    report = measure(recognizer, [], [], dict.fromkeys(LABELS, 10), dict.fromkeys(LABELS, 40))

    rows = dict(report.describe())
    assert rows["Held-out recall"] == "n/a, 0 held-out faces"
    assert rows["Held-out false accepts"].startswith("n/a, 0 held-out faces of other people")
    assert rows["DET curve"].startswith("n/a: it needs held-out faces of athletes and of other")
    assert not report.det.drawable
    assert not any("%" in figures for figures in rows.values())


def test_the_sure_line_reads_the_cosine_too_where_the_model_keeps_one_without_cohort():
    # A model with a cohort names a face only where its cosine reaches the sure line without
    # the cohort: the report's operating point must say what naming does (here score = cosine).
    lines = Lines(sure=0.8, unknown=0.6, sure_without_cohort=0.95)
    recognizer = Recognizer(LABELS, np.stack([axis(0), axis(1)]), dict.fromkeys(LABELS, lines))
    near = lambda n: 0.9 * axis(n) + np.sqrt(1 - 0.81) * axis(9)  # noqa: E731
    held = [
        ReviewedFace("a", axis(0), LEBRON),  # named surely
        ReviewedFace("b", near(0), LEBRON),  # 0.9: over the sure line, under 0.95: flagged
        ReviewedFace("c", near(1), "unknown"),  # a stranger at 0.9 to Nadal: flagged
    ]

    report = measure(recognizer, [], held, dict.fromkeys(LABELS, 10), dict.fromkeys(LABELS, 40))

    assert (report.athletes[LEBRON].sure, report.athletes[LEBRON].flagged) == (1, 2)
    assert report.strangers == StrangersHeldOut(held_out=1, named=0, flagged=1)
    assert report.det.operating_points["sure"].false_reject == 0.5
    assert report.det.operating_points["sure"].false_accept == 0.0
    assert report.det.operating_points["unknown"].false_accept == 1.0


def test_the_report_is_stored_as_the_json_it_always_was_and_read_back_whole():
    lines = Lines(sure=0.8, unknown=0.6)
    recognizer = Recognizer(LABELS, np.stack([axis(0), axis(1)]), dict.fromkeys(LABELS, lines))
    held = [ReviewedFace("a", axis(0), LEBRON), ReviewedFace("b", axis(5), "unknown")]

    report = measure(recognizer, [], held, dict.fromkeys(LABELS, 10), dict.fromkeys(LABELS, 40))
    stored = json.loads(json.dumps(report.to_dict()))

    assert list(stored) == [
        "held_out_every", "reviewed_faces", "fitted_faces", "held_out_faces",
        "held_out_photos", "athletes", "strangers", "scores", "operating_points",
    ]  # fmt: skip
    assert list(stored["athletes"][LEBRON]) == [
        "training_photos", "reviewed_positives", "impostors", "reviewed_impostors",
        "held_out", "sure", "flagged", "named_wrongly",
    ]  # fmt: skip
    assert stored["strangers"] == {"held_out": 1, "named": 0, "flagged": 0}
    assert stored["scores"] == {"genuine": [[LEBRON, 1.0, 1.0]], "impostor": [[LEBRON, 0.0, 0.0]]}
    assert stored["operating_points"]["sure"] == {
        "lines": {LEBRON: 0.8, NADAL: 0.8},
        "false_accept": 0.0,
        "false_reject": 0.0,
    }
    assert HeldOutReport.from_dict(stored) == report
