"""MTCNN (the `mtcnn` package, MIT), kept as a second detector to measure BlazeFace against.

It finds more tiny crowd faces than BlazeFace, at four to five times the cost, and it
imports TensorFlow; `python -m ml bench/evaluate --detector mtcnn` use it.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from mtcnn import MTCNN
from PIL import Image

from ml.blazeface import Detection
from ml.imaging import DETECTION_MAX_SIDE

MIN_FACE_SIZE = 20
MIN_CONFIDENCE = 0.9
STAGE_INPUT_SIZES = (None, 24, 48)  # PNet takes whole images; RNet and ONet fixed crops
CANDIDATE_CHUNK = 128


class Mtcnn:
    """MTCNN with its three networks compiled into graphs, on a copy at most 640 px."""

    max_side = DETECTION_MAX_SIDE
    looks_closer = False

    def __init__(self):
        self._mtcnn = MTCNN(device="CPU:0")
        stages = self._mtcnn.stages
        for stage, size in zip(stages, STAGE_INPUT_SIZES, strict=True):
            stage._model = _compiled(stage.model, size)
        self._networks = [stage.model for stage in stages]
        self._mtcnn._stages = [_TensorInput(stage) for stage in stages]

    def warm_up(self) -> None:
        """Trace the three networks' graphs on blank input, once each."""
        for network, size in zip(self._networks, STAGE_INPUT_SIZES, strict=True):
            network(tf.zeros((1, size or 64, size or 64, 3)))

    def detect(self, image: Image.Image, thorough: bool = False) -> list[Detection]:
        found = self._mtcnn.detect_faces(np.asarray(image), min_face_size=MIN_FACE_SIZE)
        return [
            Detection(
                (x, y, x + w, y + h),
                float(each["confidence"]),
                np.array([each["keypoints"]["left_eye"], each["keypoints"]["right_eye"]], float),
            )
            for each in found
            for x, y, w, h in [each["box"]]
            if each["confidence"] >= MIN_CONFIDENCE
        ]


class _TensorInput:
    """Hands an MTCNN stage the normalised photo as one tensor.

    MTCNN passes a NumPy array, which TensorFlow copied again for every pyramid scale and
    every batch of candidate crops: 3–7 ms of a 70 ms detection.
    """

    def __init__(self, stage):
        self._stage = stage

    def __call__(self, images_normalized, **kwargs):
        return self._stage(images_normalized=tf.constant(images_normalized), **kwargs)


def _compiled(model, size: int | None):
    """MTCNN calls its three small networks eagerly, once per pyramid scale or batch of
    candidates; a graph whose batch (and, for PNet, image) size is open is traced once and
    removes most of the per-call overhead.

    A busy background can give RNet a thousand candidates at once, whose activations alone
    took 110 MB more at peak; candidates go through in chunks instead.
    """
    signature = tf.TensorSpec([None, size, size, 3], tf.float32)
    graph = tf.function(model, input_signature=[signature])
    if size is None:  # PNet: one whole image per call
        return graph

    def in_chunks(candidates):
        if candidates.shape[0] <= CANDIDATE_CHUNK:
            return graph(candidates)
        outputs = [
            graph(candidates[start : start + CANDIDATE_CHUNK])
            for start in range(0, candidates.shape[0], CANDIDATE_CHUNK)
        ]
        return [tf.concat(parts, axis=0) for parts in zip(*outputs, strict=True)]

    return in_chunks
