"""Grouping unknown faces by person (ml.clustering), on real faces and on edge cases, and the
command that measures it (`python -m ml cluster`)."""

from pathlib import Path

import numpy as np
import pytest

from ml.cluster_evaluation import embed_people, measure, other_methods
from ml.clustering import (
    NEW,
    SAME_PERSON_DISTANCE,
    Group,
    group_as_they_come,
    group_faces,
    may_regroup,
    nearest_group,
    regroup,
    unit,
)
from tests.ml.test_cli import run_ml

LEBRON, NADAL = "lebron_james", "rafael_nadal"

# Photos whose largest face is the athlete's.
PHOTOS = {
    LEBRON: ["james(1).jpg", "james(2).jpg", "james(3).jpg", "james(4).jpg", "james(5).jpg"],
    NADAL: ["nadal(1).jpg", "nadal(2).jpg", "nadal(3).jpg", "nadal(4).jpg", "nadal(5).jpg"],
}


@pytest.fixture(scope="module")
def dev_folder(tmp_path_factory, photo_path) -> Path:
    """A dev folder whose others/ holds five photos of each of two people."""
    dev = tmp_path_factory.mktemp("dev")
    for person, names in PHOTOS.items():
        (dev / "others" / person).mkdir(parents=True)
        for name in names:
            (dev / "others" / person / name).symlink_to(photo_path(name))
    return dev


@pytest.fixture(scope="module")
def two_people(dev_folder, detector, embedder):
    """Real FaceNet embeddings of those photos, as the worker makes them."""
    return embed_people(dev_folder / "others", detector, embedder)


def test_it_puts_each_persons_photos_in_one_group_and_two_people_apart(two_people):
    embeddings, persons = two_people

    groups = group_faces(embeddings)

    assert sorted(sorted({persons[i] for i in group}) for group in groups) == [[LEBRON], [NADAL]]
    assert sorted(len(group) for group in groups) == [5, 5]


def test_it_groups_as_scipys_average_linkage_does(two_people):
    embeddings, _ = two_people
    reference = other_methods()["average (scipy)"]

    for threshold in (0.2, SAME_PERSON_DISTANCE, 0.8):
        ours = sorted(sorted(group) for group in group_faces(embeddings, threshold))
        theirs = sorted(sorted(group) for group in reference(embeddings, threshold))
        assert ours == theirs


def test_it_returns_nothing_for_no_face_and_one_group_for_one_face():
    assert group_faces(np.zeros((0, 128))) == []
    assert group_faces(np.ones((1, 128))) == [[0]]


def test_it_keeps_distinct_faces_and_zero_vectors_alone():
    faces = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 0], [0, 0, 0], [0.99, 0.01, 0]])

    groups = group_faces(faces)

    assert groups == [[0, 4], [1], [2], [3]]


def test_it_merges_by_mean_distance_not_by_the_closest_pair():
    # A chain a-b-c at angles 0, 0.5 and 1.05 rad: each step is within the threshold, the
    # ends are not; the mean distance of {a, b} to c keeps c out.
    chain = np.array([[np.cos(angle), np.sin(angle)] for angle in (0.0, 0.5, 1.05)])

    assert group_faces(chain, threshold=0.2) == [[0, 1], [2]]


def test_faces_grouped_as_they_come_match_the_batch_in_any_order(two_people):
    embeddings, _ = two_people
    batch = sorted(sorted(group) for group in group_faces(embeddings))

    for order in (np.arange(10), np.arange(10)[::-1], np.random.default_rng(1).permutation(10)):
        arrived = group_as_they_come(embeddings[order])
        assert sorted(sorted(int(order[row]) for row in group) for group in arrived) == batch


def test_a_face_that_arrives_regroups_the_groups_near_it():
    # Two faces that were one group, and a new face nearer the second: average linkage now
    # pairs the new face with the second and leaves the first alone.
    a, b, new = (unit(np.array([np.cos(angle), np.sin(angle)])) for angle in (0.0, 0.6, 0.9))
    members = {7: np.stack([a, b])}

    assert regroup(new, members, threshold=0.1) == [[(NEW, 0), (7, 1)], [(7, 0)]]


def test_a_face_joins_the_group_at_the_smallest_mean_distance_within_the_line():
    face = np.array([1.0, 0.0])
    near = Group(np.array([1.9, 0.1]), 2)  # mean distance 0.05
    far = Group(np.array([0.5, 0.5]), 1)  # 0.5

    assert nearest_group(face, {1: far, 2: near}) == 2
    assert nearest_group(face, {1: far}) is None
    assert nearest_group(face, {}) is None


def test_groups_arranged_by_staff_or_too_big_are_not_regrouped():
    assert may_regroup([3, 4], [False, False])
    assert not may_regroup([3, 4], [False, True])
    assert not may_regroup([150, 50], [False, False], limit=200)


def test_measure_counts_what_staff_would_see():
    persons = ["ann", "ann", "bob", "bob", "cy"]

    figures = measure([[0, 1, 2], [3], [4]], persons)

    assert figures["shown"] == 1 and figures["faces_shown"] == 3
    assert figures["purity"] == pytest.approx(2 / 3)
    assert figures["completeness"] == pytest.approx(3 / 4)
    assert figures["pair_precision"] == pytest.approx(1 / 3)
    assert figures["pair_recall"] == pytest.approx(1 / 2)


def test_the_cli_prints_each_methods_figures(dev_folder, facenet_weights):
    run = run_ml("cluster", "--dev", dev_folder, "--threshold", "0.45", weights=facenet_weights)

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "10 faces of 2 people, 2 of them in two or more photos"
    ours = next(line for line in lines if line.startswith("average (ours)")).split()
    assert ours[2:] == ["0.45", "2", "10", "1.000", "1.000", "1.000", "1.000"]
    assert any(line.startswith("hdbscan min 2") for line in lines)
    arriving = next(line for line in lines if line.startswith("as they come")).split()
    assert arriving[3:] == ["0.45", "2", "10", "1.000", "1.000", "1.000", "1.000"]
