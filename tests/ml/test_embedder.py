"""FaceNet as served from the Keras 2.1 file: the real pretrained network, not random weights."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from PIL import Image

from ml.embedder import INPUT_SIZE

# The face in nadal(3).jpg, cut at a fixed square, and the first six numbers of its
# embedding as computed by the verified facenet_keras.h5 in the served network, dynamic-int8
# (float32 gives 0.113872, 0.030632, 0.124465, 0.034757, -0.068393, 0.091844). A randomly
# initialised network, a residual join with the wrong scale or another input normalisation
# would all differ. The crop is made here, not by ml.faces, so that tuning the detector's
# crop cannot move it.
FIXED_SQUARE = (305, 74, 451, 220)
PINNED = [0.114636, 0.029776, 0.126527, 0.03586, -0.067018, 0.09064]

# Face boxes found by MTCNN in single-face photos, fixed here so this file needs no detector.
FACES = {
    "nadal(2).jpg": (174, 73, 125, 152),
    "nadal(3).jpg": (326, 81, 105, 133),
    "james(5).jpg": (292, 66, 109, 135),
    "james(7).jpg": (440, 67, 147, 206),
}


def square_crop(image: Image.Image, square: tuple[int, int, int, int]) -> np.ndarray:
    """The embedder's input: a square region resized to 160×160, uint8 RGB."""
    resized = image.crop(square).resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR)
    return np.asarray(resized)


def around(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The square around a face box, 10% larger than its longer side."""
    x, y, w, h = box
    half = round(max(w, h) * 1.1 / 2)
    cx, cy = round(x + w / 2), round(y + h / 2)
    return cx - half, cy - half, cx + half, cy + half


@pytest.fixture(scope="module")
def crops(photo) -> dict[str, np.ndarray]:
    return {name: square_crop(photo(name), around(box)) for name, box in FACES.items()}


def test_it_gives_the_known_embedding_of_a_known_face(embedder, photo):
    crop = square_crop(photo("nadal(3).jpg"), FIXED_SQUARE)

    embedding = embedder.embed(crop[None])[0]

    assert embedding[:6] == pytest.approx(PINNED, abs=1e-3)


def test_every_residual_join_keeps_its_scale_from_the_file(backbone, facenet_weights):
    model = backbone.read_keras(facenet_weights)

    scales = Counter(layer.scale for layer in model.layers if isinstance(layer, backbone.ScaleSum))

    assert scales == {0.1: 10, 0.17: 5, 0.2: 5, 1.0: 1}


def test_photos_of_one_athlete_are_closer_than_photos_of_two(embedder, crops):
    names = list(crops)
    embeddings = dict(zip(names, embedder.embed(np.stack(list(crops.values()))), strict=True))
    same, different = [], []
    for a, b in combinations(names, 2):
        distance = float(np.linalg.norm(embeddings[a] - embeddings[b]))
        (same if a[:5] == b[:5] else different).append(distance)

    assert len(same) == 2 and len(different) == 4
    assert max(same) < min(different)


def test_embeddings_are_unit_length(embedder, crops):
    embeddings = embedder.embed(np.stack(list(crops.values())))

    assert embeddings.shape == (4, 128)
    assert embeddings.dtype == np.float32
    assert np.linalg.norm(embeddings, axis=1) == pytest.approx(np.ones(4), abs=1e-5)


def test_an_empty_batch_gives_no_embeddings(embedder):
    embeddings = embedder.embed(np.zeros((0, 160, 160, 3), np.uint8))

    assert embeddings.shape == (0, 128)


def test_a_batch_equals_the_same_crops_embedded_one_at_a_time(embedder, crops):
    three = np.stack([crops["nadal(2).jpg"], crops["james(5).jpg"], crops["nadal(3).jpg"]])

    together = embedder.embed(three)
    alone = np.concatenate([embedder.embed(crop[None]) for crop in three])

    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_many_crops_keep_their_order(embedder, crops):
    base = np.stack(list(crops.values()))
    many = np.concatenate([base, base[:, :, ::-1]] * 5)

    embeddings = embedder.embed(many)

    assert embeddings.shape == (40, 128)
    for index in (0, 5, 32, 39):
        np.testing.assert_allclose(
            embeddings[index], embedder.embed(many[index][None])[0], atol=1e-4
        )
    assert not np.allclose(embeddings[0], embeddings[4], atol=1e-2)  # a crop and its mirror
