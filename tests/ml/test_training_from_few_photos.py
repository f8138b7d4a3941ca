"""Training from athletes enrolled with a few photos: how many folds, and progress to show."""

from pathlib import Path

import numpy as np

from ml.dataset import LabelledPhoto
from ml.features import PhotoEmbeddings
from ml.training import feasible_folds


def photos(label: str, with_face: int, without: int = 0) -> list[PhotoEmbeddings]:
    face = np.zeros((1, 2, 128), np.float32)
    empty = np.zeros((0, 2, 128), np.float32)
    return [
        PhotoEmbeddings(LabelledPhoto(Path(f"{label}{n}.jpg"), label), face)
        for n in range(with_face)
    ] + [
        PhotoEmbeddings(LabelledPhoto(Path(f"{label}-x{n}.jpg"), label), empty, skipped="no face")
        for n in range(without)
    ]


def test_it_keeps_the_folds_asked_for_when_every_athlete_has_enough_photos():
    assert feasible_folds(photos("a", 30) + photos("b", 30), 5) == 5


def test_three_photos_cross_validate_since_two_stay_in_each_training_part():
    assert feasible_folds(photos("a", 30) + photos("b", 3), 5) == 5


def test_it_makes_no_more_folds_than_the_largest_athlete_has_photos():
    assert feasible_folds(photos("a", 3) + photos("b", 3), 5) == 3


def test_it_counts_photos_without_a_face_against_the_training_part():
    assert feasible_folds(photos("a", 30) + photos("b", 3, without=3), 5) == 0


def test_it_does_not_cross_validate_two_photos():
    assert feasible_folds(photos("a", 30) + photos("b", 2), 5) == 0


def test_embedding_reports_its_progress_every_ten_photos(small_dataset, detector, embedder):
    from ml.dataset import scan
    from ml.features import embed_photos

    photos = scan(small_dataset)
    heard = []

    embed_photos(photos, detector, embedder, lambda done, total: heard.append((done, total)))

    assert heard == [(10, 14), (14, 14)]
