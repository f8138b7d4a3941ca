"""Three answers per face, and one athlete per photo, on embeddings made to measure."""

from __future__ import annotations

import numpy as np
import pytest

from ml.recognizer import Lines, Recognizer
from ml.results import NO_FACE, UNKNOWN, FaceResult, ImageResult

LEBRON, NADAL = "lebron_james", "rafael_nadal"


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(128, np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def face_scoring(lebron: float, nadal: float) -> np.ndarray:
    """An embedding whose cosine to LeBron's centroid is `lebron` and to Nadal's `nadal`."""
    rest = np.sqrt(max(0.0, 1.0 - lebron**2 - nadal**2))
    return unit(lebron, nadal, rest)


@pytest.fixture
def recognizer() -> Recognizer:
    centres = np.stack([unit(1.0), unit(0.0, 1.0)])
    lines = {LEBRON: Lines(sure=0.7, unknown=0.5), NADAL: Lines(sure=0.6, unknown=0.45)}
    return Recognizer([LEBRON, NADAL], centres, lines)


def test_a_face_above_the_sure_line_is_named(recognizer):
    (naming,) = recognizer.name(np.stack([face_scoring(0.8, 0.1)]))

    assert (naming.label, naming.candidate, naming.needs_review) == (LEBRON, LEBRON, False)
    assert naming.score == pytest.approx(0.8, abs=1e-4)


def test_a_face_between_the_lines_needs_review_and_is_not_named(recognizer):
    (naming,) = recognizer.name(np.stack([face_scoring(0.6, 0.1)]))

    assert (naming.label, naming.candidate, naming.needs_review) == (UNKNOWN, LEBRON, True)


def test_a_face_below_the_unknown_line_is_unknown_with_its_closest_athlete(recognizer):
    (naming,) = recognizer.name(np.stack([face_scoring(0.1, 0.3)]))

    assert (naming.label, naming.candidate, naming.needs_review) == (UNKNOWN, NADAL, False)


def test_a_face_under_the_sure_line_without_cohort_is_flagged_not_named():
    # A model with a cohort names a face only when its cosine also reaches the sure line the
    # same training gave without the cohort; here the score is the cosine, for simplicity.
    centres = np.stack([unit(1.0), unit(0.0, 1.0)])
    guarded = Lines(sure=0.7, unknown=0.5, sure_without_cohort=0.85)
    recognizer = Recognizer([LEBRON, NADAL], centres, dict.fromkeys([LEBRON, NADAL], guarded))

    under, over = recognizer.name(np.stack([face_scoring(0.8, 0.1), face_scoring(0.1, 0.9)]))

    assert (under.label, under.candidate, under.needs_review) == (UNKNOWN, LEBRON, True)
    assert (over.label, over.needs_review) == (NADAL, False)


def test_each_athlete_is_judged_by_their_own_lines(recognizer):
    (naming,) = recognizer.name(np.stack([face_scoring(0.1, 0.65)]))  # sure for Nadal only

    assert (naming.label, naming.needs_review) == (NADAL, False)


def test_one_athlete_per_photo_the_best_match_keeps_the_name(recognizer):
    weaker, best = face_scoring(0.75, 0.5), face_scoring(0.9, 0.1)

    first, second = recognizer.name(np.stack([weaker, best]))

    assert (second.label, second.candidate) == (LEBRON, LEBRON)
    # The weaker face falls back to the next athlete, judged by that athlete's lines.
    assert (first.label, first.candidate, first.needs_review) == (UNKNOWN, NADAL, True)
    assert first.score == pytest.approx(0.5, abs=1e-4)


def test_a_face_left_without_a_free_athlete_is_unknown_and_not_flagged(recognizer):
    faces = np.stack([face_scoring(0.9, 0.1), face_scoring(0.1, 0.9), face_scoring(0.8, 0.3)])

    namings = recognizer.name(faces)

    assert [n.label for n in namings] == [LEBRON, NADAL, UNKNOWN]
    assert (namings[2].candidate, namings[2].needs_review) == (LEBRON, False)


def test_within_a_roster_the_athletes_off_it_are_not_candidates(recognizer):
    lebron_face = face_scoring(0.9, 0.3)

    (naming,) = recognizer.within({NADAL}).name(np.stack([lebron_face]))

    assert (naming.label, naming.candidate) == (UNKNOWN, NADAL)
    assert naming.score == pytest.approx(0.3, abs=1e-4)


def test_a_roster_of_athletes_the_model_does_not_know_names_nobody(recognizer):
    (naming,) = recognizer.within({"roger_federer"}).name(np.stack([face_scoring(0.9, 0.1)]))

    assert (naming.label, naming.candidate, naming.needs_review) == (UNKNOWN, UNKNOWN, False)


def result(*faces: tuple[str, str, float, bool]) -> ImageResult:
    return ImageResult.from_faces(
        [FaceResult((0, 0, 9, 9), *face, detection_confidence=0.9) for face in faces],
        len(faces),
        {},
    )


def test_a_big_roster_assigns_athletes_as_taking_every_pair_best_first_would():
    """Only each face's closest athletes are sorted; the answer is the one a sort of every
    (face, athlete) pair gives."""
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(60, 128)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = [f"athlete_{n}" for n in range(60)]
    recognizer = Recognizer(labels, centres, dict.fromkeys(labels, Lines(0.3, 0.2)))
    for faces in (1, 2, 6, 70):
        # Faces near a few shared athletes, so they compete for the same ones.
        picks = rng.integers(3, size=faces)
        embeddings = (centres[picks] + 0.6 * rng.normal(size=(faces, 128)) / 11).astype(np.float32)
        scores = recognizer.scores(embeddings)
        expected: dict[int, int] = {}
        for flat in np.argsort(-scores, axis=None, kind="stable"):
            face, athlete = divmod(int(flat), len(labels))
            if face not in expected and athlete not in expected.values():
                expected[face] = athlete

        namings = recognizer.name(embeddings)

        for face, naming in enumerate(namings):
            if face in expected:
                assert naming.candidate == labels[expected[face]]
            else:
                assert naming.label == UNKNOWN and not naming.needs_review
        assert len(namings) == faces


def test_the_photo_label_follows_sure_faces_only():
    photo = result((UNKNOWN, LEBRON, 0.65, True), (NADAL, NADAL, 0.62, False))

    assert (photo.label, photo.score, photo.needs_review) == (NADAL, 0.62, False)


def test_a_photo_with_only_uncertain_faces_is_unknown_and_needs_review():
    photo = result((UNKNOWN, LEBRON, 0.65, True), (UNKNOWN, NADAL, 0.2, False))

    assert (photo.label, photo.needs_review) == (UNKNOWN, True)


def test_a_photo_without_faces_is_no_face():
    photo = result()

    assert (photo.label, photo.needs_review, photo.faces_capped) == (NO_FACE, False, False)


def test_with_a_cohort_the_lines_judge_normalised_scores_and_the_score_stays_the_cosine():
    from ml.normalisation import Normaliser

    rng = np.random.default_rng(0)
    cohort = rng.normal(size=(1200, 128)).astype(np.float32)
    cohort /= np.linalg.norm(cohort, axis=1, keepdims=True)
    centres = np.stack([unit(1.0), unit(0.0, 1.0)])
    normaliser = Normaliser(centres, cohort)
    face = np.stack([face_scoring(0.5, 0.1)])
    normalised = normaliser(face @ centres.T, face)[0]
    lines = {
        LEBRON: Lines(sure=float(normalised[0]) - 0.01, unknown=0.0),
        NADAL: Lines(sure=99.0, unknown=98.0),
    }
    recognizer = Recognizer([LEBRON, NADAL], centres, lines, normaliser)

    (naming,) = recognizer.name(face)

    assert naming.label == LEBRON  # a cosine of 0.5 is named: far above the strangers
    assert naming.score == pytest.approx(0.5, abs=1e-4)
    assert recognizer.scores(face)[0] == pytest.approx(normalised)
    only_nadal = recognizer.within({NADAL})
    assert only_nadal.scores(face)[0] == pytest.approx(normalised[1:])
    assert recognizer.scores(np.zeros((0, 128), np.float32)).shape == (0, 2)
    many = np.stack([face_scoring(0.5, 0.1)] * 40)  # past ONE_BY_ONE: one product, same scores
    assert recognizer.scores(many) == pytest.approx(np.tile(normalised, (40, 1)), abs=1e-5)
