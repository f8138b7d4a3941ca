"""Find every face in a photo with MTCNN, in original-image pixels, with a crop to embed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from mtcnn import MTCNN
from PIL import Image

from ml.embedder import INPUT_SIZE
from ml.imaging import DETECTION_MAX_SIDE, downscale

MIN_FACE_SIZE = 20
MIN_CONFIDENCE = 0.9
# The box plus 10%: the tight crop this converted FaceNet was published with. Measured by
# 5-fold × 3 cross-validation on the sample photos: 1.10 → 100%, 1.25 → 98.9%, 1.40 → 99.4%.
CROP_MARGIN = 1.1
SECOND_LOOK_MAX_SIDE = 1600
STAGE_INPUT_SIZES = (None, 24, 48)  # PNet takes whole images; RNet and ONet fixed crops
CANDIDATE_CHUNK = 128


@dataclass(frozen=True)
class Face:
    """A detected face; `box` is `(x, y, w, h)` in the original photo's pixels."""

    box: tuple[int, int, int, int]
    confidence: float
    landmarks: dict[str, tuple[int, int]]
    crop: np.ndarray

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


class FaceDetector:
    """MTCNN on a downscaled copy, so a 24 MP photo costs what a 0.4 MP one does.

    Small faces: detection runs at 640 px on the longest side and finds faces down to
    20 px there (3% of the photo's longest side), which is where FaceNet stops telling
    people apart anyway. Only when that finds nothing in a large photo does a second,
    slower look at up to 1600 px search for a face that is small in a big frame.
    """

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

    def detect(self, image: Image.Image) -> list[Face]:
        faces = self._detect_at(image, DETECTION_MAX_SIDE)
        if not faces and max(image.size) > DETECTION_MAX_SIDE:
            faces = self._detect_at(image, SECOND_LOOK_MAX_SIDE)
        return sorted(faces, key=lambda face: face.area, reverse=True)

    def _detect_at(self, image: Image.Image, max_side: int) -> list[Face]:
        small, factor = downscale(image, max_side)
        found = self._mtcnn.detect_faces(np.asarray(small), min_face_size=MIN_FACE_SIZE)
        pixels = np.asarray(image)
        return [
            _face(pixels, found_face, factor)
            for found_face in found
            if found_face["confidence"] >= MIN_CONFIDENCE
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


def _face(pixels: np.ndarray, found: dict, factor: float) -> Face:
    x, y, w, h = (round(value * factor) for value in found["box"])
    landmarks = {
        name: (round(px * factor), round(py * factor))
        for name, (px, py) in found["keypoints"].items()
    }
    crop = crop_face(pixels, (x, y, w, h), tilt=eye_tilt(landmarks))
    return Face((x, y, w, h), float(found["confidence"]), landmarks, crop)


def eye_tilt(landmarks: dict[str, tuple[int, int]]) -> float:
    """How far the eyes are from level, in degrees (positive: the head leans clockwise)."""
    (left_x, left_y), (right_x, right_y) = landmarks["left_eye"], landmarks["right_eye"]
    return math.degrees(math.atan2(right_y - left_y, right_x - left_x))


def crop_face(pixels: np.ndarray, box: tuple[int, int, int, int], tilt: float = 0.0) -> np.ndarray:
    """A square 160×160 crop around `box`, with a margin, turned by `tilt` to level the eyes.

    FaceNet compares upright faces best; the area outside the photo is black.
    """
    x, y, w, h = box
    side = round(max(w, h) * CROP_MARGIN)
    reach = side if tilt else 0
    region = _square(pixels, x + w / 2, y + h / 2, side + 2 * (reach // 2))
    if tilt:
        turned = Image.fromarray(region).rotate(tilt, Image.Resampling.BILINEAR)
        inner = reach // 2
        region = np.asarray(turned.crop((inner, inner, inner + side, inner + side)))
    resized = Image.fromarray(region).resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR)
    return np.asarray(resized)


def _square(pixels: np.ndarray, centre_x: float, centre_y: float, side: int) -> np.ndarray:
    """The `side`-pixel square of `pixels` centred on a point, padded with black."""
    left, top = round(centre_x - side / 2), round(centre_y - side / 2)
    height, width = pixels.shape[:2]
    canvas = np.zeros((side, side, 3), np.uint8)
    src_left, src_top = max(left, 0), max(top, 0)
    src_right, src_bottom = min(left + side, width), min(top + side, height)
    canvas[src_top - top : src_bottom - top, src_left - left : src_right - left] = pixels[
        src_top:src_bottom, src_left:src_right
    ]
    return canvas
