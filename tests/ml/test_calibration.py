"""Lines from stated targets: sure and unknown per athlete, what they are estimated to do,
and an honest flag when there are too few impostors to know."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ml.calibration import Targets, fit, score_reached_by
from ml.dataset import LabelledPhoto
from ml.errors import ModelError
from ml.faces import Face
from ml.features import PhotoEmbeddings, PhotoFaces, choose_athletes, overlap

LEBRON, NADAL = "lebron_james", "rafael_nadal"
LABELS = [LEBRON, NADAL]
RNG = np.random.default_rng(0)


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def athlete_face(axis: int, spread: float) -> np.ndarray:
    centre = np.zeros(128)
    centre[axis] = 1.0
    return unit(centre + spread * RNG.normal(size=128) / np.sqrt(128))


def stranger() -> np.ndarray:
    return unit(RNG.normal(size=128))


def photo(label: str, faces: list[np.ndarray], number: int) -> PhotoEmbeddings:
    pairs = np.stack([[face, face] for face in faces]).astype(np.float32)  # face and mirror
    return PhotoEmbeddings(LabelledPhoto(Path(f"{label}/{number}.jpg"), label), pairs)


def dataset(strangers_per_photo: int = 1, nadal_spread: float = 0.8) -> list[PhotoEmbeddings]:
    photos = []
    for number in range(20):
        extra = [stranger() for _ in range(strangers_per_photo)]
        photos.append(photo(LEBRON, [athlete_face(0, 0.5), *extra], number))
        photos.append(photo(NADAL, [athlete_face(1, nadal_spread), *extra], number))
    return photos


def test_the_lines_keep_every_known_impostor_out_and_stay_ordered():
    recognizer, calibration = fit(dataset(), LABELS)

    for label in LABELS:
        lines = recognizer.lines[label]
        assert lines.unknown <= lines.sure
        assert calibration.lines[label] == {"sure": lines.sure, "unknown": lines.unknown}
    assert calibration.estimated["impostors_named"] == 0
    assert calibration.estimated["impostors_flagged_or_named"] == 0
    # 40 strangers and 20 faces of the other athlete, for each of the two athletes.
    assert calibration.impostors == 2 * (40 + 20)
    assert calibration.genuine == 40


def test_an_athlete_whose_photos_are_alike_gets_a_stricter_sure_line():
    recognizer, calibration = fit(dataset(nadal_spread=2.0), LABELS)

    tight, spread = recognizer.lines[LEBRON], recognizer.lines[NADAL]
    assert tight.sure > spread.sure
    assert (
        calibration.per_athlete[LEBRON]["genuine_sd"] < calibration.per_athlete[NADAL]["genuine_sd"]
    )
    assert calibration.per_athlete[LEBRON]["sure_rate"] >= 0.85


def test_too_few_impostors_are_flagged_and_said_so():
    _, calibration = fit(dataset(), LABELS, Targets(false_accept=0.001))

    assert calibration.too_few_impostors is True
    assert calibration.impostors < 3000
    assert "Too few impostor faces" in calibration.message
    assert "at least 3000 needed" in calibration.message
    assert calibration.estimated["impostors_named"] == 0
    assert calibration.estimated["false_accept_upper_95"] == pytest.approx(3 / 120, abs=1e-3)
    assert "With 0 of them named, the rate is only known to be under 2.5%" in calibration.message


def test_enough_impostors_for_the_target_are_not_flagged():
    _, calibration = fit(dataset(), LABELS, Targets(false_accept=0.05))

    assert calibration.too_few_impostors is False  # 120 impostors >= 3 / 0.05
    assert "Too few" not in calibration.message


def test_faces_reviewers_rejected_count_as_impostors_and_raise_the_line():
    look_alike = unit(athlete_face(0, 0.5) + 0.05 * stranger())
    without, _ = fit(dataset(), LABELS)
    assert look_alike @ without.centres[0] >= without.lines[LEBRON].unknown

    recognizer, calibration = fit(dataset(), LABELS, rejected={LEBRON: look_alike[None]})

    assert calibration.per_athlete[LEBRON]["impostors"] == 61
    assert recognizer.lines[LEBRON].unknown > look_alike @ recognizer.centres[0]
    (naming,) = recognizer.name(look_alike[None].astype(np.float32))
    assert (naming.label, naming.needs_review) == ("unknown", False)


def test_an_athlete_with_one_usable_photo_is_refused():
    photos = [photo(LEBRON, [athlete_face(0, 0.5)], 0), photo(NADAL, [athlete_face(1, 0.5)], 0)]
    photos.append(photo(NADAL, [athlete_face(1, 0.5)], 1))

    with pytest.raises(ModelError, match=r"lebron_james \(1\)"):
        fit(photos, LABELS)


def test_training_keeps_the_face_most_like_the_athletes_other_photos():
    photos = dataset(strangers_per_photo=0)
    # A bigger stranger in front of LeBron: the stranger is the largest face, listed first.
    crowded = photo(LEBRON, [stranger(), athlete_face(0, 0.5)], 99)

    chosen = choose_athletes([*photos, crowded])

    assert chosen[-1].athlete_index == 1
    np.testing.assert_array_equal(chosen[-1].athlete, crowded.faces[1])
    assert chosen[-1].others.shape == (1, 128)
    assert all(item.athlete_index == 0 for item in chosen[:-1])


def test_training_keeps_the_face_a_person_chose():
    photos = dataset(strangers_per_photo=0)
    crowded = photo(LEBRON, [stranger(), athlete_face(0, 0.5)], 99)
    chosen_by_staff = replace(crowded, photo=replace(crowded.photo, box=(0, 0, 10, 10)))

    chosen = choose_athletes([*photos, chosen_by_staff])

    assert chosen[-1].athlete_index == 0  # the stranger, as staff said: kept, not re-guessed


def test_a_chosen_box_is_found_again_among_the_detected_faces():
    def detected(box):
        return Face(box, 0.9, ((0, 0), (1, 1)), np.zeros((160, 160, 3), np.uint8))

    found = PhotoFaces(
        [detected((100, 0, 50, 50)), detected((0, 0, 30, 30))], np.zeros((2, 2, 128))
    )

    assert found.index_of((2, 1, 28, 30)) == 1
    assert found.index_of((20, 20, 30, 30)) is None  # overlaps, but under half: another face
    assert PhotoFaces([], np.zeros((0, 2, 128))).index_of((0, 0, 10, 10)) is None
    assert overlap((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert overlap((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert overlap((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0


@pytest.mark.parametrize("photos", [3, 5, 30])
@pytest.mark.parametrize("share", [0.9, 0.99])
def test_a_new_photo_reaches_an_athletes_line_as_often_as_the_target_says(photos, share):
    # An athlete's line comes from a handful of leave-one-out scores; a new photo of them,
    # drawn like those, should reach it `share` of the time, however few the photos.
    rng = np.random.default_rng(1)
    trials = 4000
    samples = rng.normal(0.8, 0.05, size=(trials, photos))
    new = rng.normal(0.8, 0.05, size=trials)
    lines = np.array([score_reached_by(scores, share) for scores in samples])

    assert abs((new >= lines).mean() - share) < 0.015
