"""A dev set's photos are embedded once: the next run reads them back, and a changed photo
is embedded again."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from ml.embedding_cache import embedded
from ml.league import photos_in


@pytest.fixture
def folder(tmp_path, photo_path):
    for name in ("nadal(3).jpg", "james(5).jpg"):
        shutil.copy(photo_path(name), tmp_path / name)
    return tmp_path


def test_photos_are_embedded_once_and_read_back_unchanged(
    folder, tmp_path_factory, facenet_weights, monkeypatch
):
    cache = tmp_path_factory.mktemp("cache")
    first = embedded(photos_in(folder), weights=facenet_weights, cache_dir=cache)

    def refuse(*args, **kwargs):
        raise AssertionError("read from the cache: no network")

    monkeypatch.setattr("ml.embedder.Embedder.__init__", refuse)
    again = embedded(photos_in(folder), weights=facenet_weights, cache_dir=cache)

    assert len(list(cache.iterdir())) == 1
    for before, after in zip(first, again, strict=True):
        assert np.array_equal(before.faces, after.faces)
        assert np.array_equal(before.boxes, after.boxes)
        assert before.size == after.size and before.skipped == after.skipped
    assert first[0].faces.shape[1:] == (2, 128) and first[0].centre_face is not None


def test_a_changed_photo_is_embedded_again(folder, tmp_path_factory, facenet_weights):
    cache = tmp_path_factory.mktemp("cache")
    embedded(photos_in(folder), weights=facenet_weights, cache_dir=cache)
    shutil.copy(folder / "nadal(3).jpg", folder / "james(5).jpg")

    changed = embedded(photos_in(folder), weights=facenet_weights, cache_dir=cache)

    assert len(list(cache.iterdir())) == 2
    assert np.array_equal(changed[0].faces, changed[1].faces)  # the same photo now
