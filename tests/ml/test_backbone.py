"""FaceNet converted for LiteRT: made once beside the weights, the same network, checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.backbone import ensure_lite, lite_path
from ml.embedder import Embedder
from ml.errors import ModelError
from ml.imaging import load_image
from tests.logs import logged_lines


@pytest.fixture
def weights_elsewhere(tmp_path: Path, facenet_weights: Path) -> Path:
    """The verified weights in a folder of their own, not yet converted."""
    link = tmp_path / "facenet_keras.h5"
    link.symlink_to(facenet_weights)
    return link


def test_it_converts_once_beside_the_weights_into_the_same_network(
    weights_elsewhere: Path, embedder, detector, photo_path, capsys
):
    """Float32, as the models made before dynamic-int8 are served; the default network (the
    ``embedder`` fixture, converted by ``weights fetch``) names the same faces nearly alike."""
    with logged_lines() as messages:
        converted = ensure_lite(weights_elsewhere, "float32")
        again = ensure_lite(weights_elsewhere, "float32")

    assert converted == again == lite_path(weights_elsewhere, "float32")
    assert converted.parent == weights_elsewhere.parent
    assert len(messages) == 1 and messages[0].startswith("Converting FaceNet for LiteRT, float32")
    assert "Converting" not in capsys.readouterr().out  # a worker's stdout stays quiet
    assert not list(converted.parent.glob("*.partial"))
    assert not lite_path(weights_elsewhere).exists()  # only the network asked for
    faces = np.stack(
        [
            detector.detect(load_image(photo_path(name)).image).faces[0].crop
            for name in ("james(5).jpg", "nadal(3).jpg")
        ]
    )
    float32 = Embedder(weights_elsewhere, "float32")
    assert float32.network == "float32" and embedder.network == "dynamic-int8"
    agreement = np.sum(float32.embed(faces) * embedder.embed(faces), axis=1)
    assert agreement.min() > 0.99, agreement  # cosine: the vectors are unit length


def test_a_damaged_conversion_is_refused_with_what_to_do(weights_elsewhere: Path):
    damaged = lite_path(weights_elsewhere)
    damaged.write_bytes(b"half a flatbuffer")

    with pytest.raises(ModelError) as caught:
        Embedder(weights_elsewhere)

    assert str(damaged) in str(caught.value)
    assert "delete it" in str(caught.value)


def test_it_converts_nothing_when_the_weights_are_wrong(tmp_path: Path):
    wrong = tmp_path / "facenet_keras.h5"
    wrong.write_bytes(b"not FaceNet")

    with pytest.raises(ModelError, match="sha256"):
        ensure_lite(wrong)
    assert not lite_path(wrong).exists()
