"""FaceNet converted for LiteRT: made once beside the weights, the same network, checked."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter

from ml.embedder import Embedder
from ml.errors import ModelError
from ml.imaging import load_image
from ml.weights import lite_path
from tests.logs import logged_lines

if TYPE_CHECKING:
    import keras


@pytest.fixture
def weights_elsewhere(tmp_path: Path, facenet_weights: Path) -> Path:
    """The verified weights in a folder of their own, not yet converted."""
    link = tmp_path / "facenet_keras.h5"
    link.symlink_to(facenet_weights)
    return link


def small_network() -> keras.Model:
    """A network of a few layers, converted in a second where FaceNet takes 20-40 s."""
    import keras

    inputs = keras.Input((16, 16, 3))
    features = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(8)(keras.layers.GlobalAveragePooling2D()(features))
    return keras.Model(inputs, outputs)


def test_it_converts_once_beside_the_weights_into_the_same_network(
    backbone: ModuleType, weights_elsewhere: Path, monkeypatch, capsys
):
    """The conversion's steps, with a small network standing in for FaceNet as read from the
    file. Converting FaceNet itself is what `weights fetch` did before the tests (scripts/test):
    the network it made is pinned by a known embedding (test_embedder.py), and float32's is
    checked against it below."""
    network = small_network()
    monkeypatch.setattr(backbone, "read_keras", lambda verified: network)

    with logged_lines() as messages:
        converted = backbone.ensure_lite(weights_elsewhere, "float32")
        again = backbone.ensure_lite(weights_elsewhere, "float32")

    assert converted == again == lite_path(weights_elsewhere, "float32")
    assert converted.parent == weights_elsewhere.parent
    assert len(messages) == 1 and messages[0].startswith("Converting FaceNet for LiteRT, float32")
    out = capsys.readouterr().out
    assert "Converting" not in out  # a worker's stdout stays quiet
    assert "TensorSpec" not in out and "Saved artifact" not in out  # nor Keras's export
    assert not list(converted.parent.glob("*.partial"))
    assert not lite_path(weights_elsewhere).exists()  # only the network asked for
    interpreter = Interpreter(model_path=str(converted))
    interpreter.allocate_tensors()
    batch = np.random.default_rng(0).random((1, 16, 16, 3), dtype=np.float32)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], batch)
    interpreter.invoke()
    lite = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    assert lite == pytest.approx(network(batch).numpy(), abs=1e-5)


def test_facenet_in_float32_names_faces_as_the_served_network_does(
    facenet_weights: Path, embedder, detector, photo_path
):
    """Float32, as the models made before dynamic-int8 are served, converted beside the
    weights by `weights fetch` (or now, once, if it was not); the served network (the
    ``embedder`` fixture, dynamic-int8) names the same faces nearly alike."""
    faces = np.stack(
        [
            detector.detect(load_image(photo_path(name)).image).faces[0].crop
            for name in ("james(5).jpg", "nadal(3).jpg")
        ]
    )
    float32 = Embedder(facenet_weights, "float32")
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


def test_it_converts_nothing_when_the_weights_are_wrong(backbone: ModuleType, tmp_path: Path):
    wrong = tmp_path / "facenet_keras.h5"
    wrong.write_bytes(b"not FaceNet")

    with pytest.raises(ModelError, match="sha256"):
        backbone.ensure_lite(wrong)
    assert not lite_path(wrong).exists()
