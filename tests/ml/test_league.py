"""The league evaluation and the replayed desk, on a league made to measure: people whose
faces lie near their own direction, strangers anywhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.dataset import LabelledPhoto
from ml.embedding_cache import SeenPhoto
from ml.league import League
from ml.league_evaluation import evaluate_league, fnir_at_fpir, roster
from ml.replay import replay

RNG = np.random.default_rng(11)
PEOPLE = [f"person_{number:02d}" for number in range(12)]


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def seen(label: str, direction: np.ndarray | None, number: int) -> SeenPhoto:
    """A 250 px photo with its subject in the middle and a bystander in a corner."""
    subject = RNG.normal(size=128) if direction is None else direction + 0.07 * RNG.normal(size=128)
    faces = unit(np.stack([subject, RNG.normal(size=128)]))
    boxes = np.array([[75, 75, 100, 100], [0, 0, 40, 40]])
    photo = LabelledPhoto(Path(f"{label}_{number:04d}.jpg"), label)
    return SeenPhoto(photo, np.stack([faces, faces], axis=1), boxes, (250, 250))


@pytest.fixture(scope="module")
def league() -> League:
    directions = unit(RNG.normal(size=(len(PEOPLE), 128)))
    enrol = [seen(p, directions[i], n) for i, p in enumerate(PEOPLE) for n in range(6)]
    probe = [seen(p, directions[i], 10 + n) for i, p in enumerate(PEOPLE) for n in range(3)]
    strangers = [seen(f"stranger_{n}", None, 0) for n in range(400)]
    return League(enrol, probe, strangers)


def test_the_face_nearest_the_centre_is_the_one_searched(league):
    assert league.probe[0].centre_face == 0
    assert league.people == PEOPLE


def test_each_roster_is_enrolled_and_searched_with_its_probes_and_every_stranger(league):
    reports = evaluate_league(league, [4, None], cohort=unit(RNG.normal(size=(1000, 128))))

    assert [report["people"] for report in reports] == [4, 12]
    small, everyone = reports
    assert (small["probes"]["photos"], everyone["probes"]["photos"]) == (12, 36)
    assert everyone["strangers"]["photos"] == 400
    for report in reports:
        probes = report["probes"]
        assert probes["named_right"] + probes["flagged_right"] == probes["photos"]  # easy faces
        assert probes["named_wrongly"] == 0
        assert report["strangers"]["named"] <= 2  # about 0.4 of 400 expected at 1 in 1,000
        assert report["fnir_at_fpir"]["0.001"] is None  # 400 strangers cannot show 1 in 1,000
        assert report["fnir_at_fpir"]["0.01"] == 0.0
        assert report["cohort_faces"] == 1000
        assert len(report["scores"]["genuine"]) == probes["photos"]


def test_a_roster_is_drawn_the_same_way_every_time():
    assert roster(PEOPLE, 4, seed=0) == roster(PEOPLE, 4, seed=0) != roster(PEOPLE, 4, seed=1)
    assert roster(PEOPLE, None, seed=0) == PEOPLE


def test_fnir_is_read_at_the_lowest_line_that_names_few_enough_strangers():
    mated = np.array([0.5, 0.2, -0.1, -1e6])  # the last: a wrong rank-1 candidate
    non_mated = np.concatenate([[0.3, 0.1], np.full(98, -0.5)])

    figures = fnir_at_fpir(mated, non_mated)

    assert figures["0.01"] == 0.5  # line just above 0.1: 0.2 and 0.5 found
    assert figures["0.05"] == 0.25  # line just above -0.5: only the wrong candidate missed
    assert figures["0.001"] is None


def test_the_replayed_desk_reviews_uploads_and_measures_on_photos_never_uploaded(league):
    reports = replay(league, first=3, rounds=2)

    assert [report["round"] for report in reports] == [0, 1, 2]
    uploads = sum(report["desk"].get("uploads", 0) for report in reports)
    assert uploads == len(PEOPLE) * 3 + 200  # the rest of enrol/ and half the strangers
    for report in reports:
        assert report["probes"]["photos"] == 36 and report["strangers"]["photos"] == 200
        assert report["probes"]["named_wrongly"] == 0
    desk = reports[1]["desk"]
    assert desk["reviewed"] == desk["confirmed"] + desk["corrected"] + desk["not_an_athlete"]
    assert desk["reviewed"] + desk["named_surely"] == desk["uploads"]
