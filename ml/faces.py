"""Find every face in a photo, in original-image pixels, with a levelled crop to embed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ml.blazeface import BlazeFace, Detection
from ml.embedder import INPUT_SIZE
from ml.imaging import downscale
from ml.threads import inference_threads

if TYPE_CHECKING:
    from ml.mtcnn_finder import Mtcnn

DETECTORS = ("blazeface", "mtcnn")
# A photo tiled with faces must not hold a worker for a minute: only the largest this many
# faces are embedded and named; the result says how many were found.
MAX_FACES = 20
# When nothing is found, a second, slower look at this size (tiled, for BlazeFace) searches
# for a face that is small in a big frame.
SECOND_LOOK_MAX_SIDE = 1600
# The box plus 10%: the tight crop this converted FaceNet was published with.
CROP_MARGIN = 1.1


@dataclass(frozen=True)
class Face:
    """A detected face; `box` is `(x, y, w, h)` in the original photo's pixels and `eyes`
    the (x, y) of the eye on the photo's left, then of the one on its right."""

    box: tuple[int, int, int, int]
    confidence: float
    eyes: tuple[tuple[int, int], tuple[int, int]]
    crop: np.ndarray

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


@dataclass(frozen=True)
class Detected:
    """The faces kept, largest first, and how many were found before the cap."""

    faces: list[Face]
    found: int

    @property
    def capped(self) -> bool:
        return self.found > len(self.faces)


class FaceDetector:
    """BlazeFace (fast, the default) or MTCNN (kept to be measured beside it), run on a
    smaller copy (1024 or 640 px on its longest side), so a 24 MP photo costs what a 1 MP
    one does."""

    def __init__(self, name: str = "blazeface"):
        if name not in DETECTORS:
            raise ValueError(f"unknown face detector {name!r}; choose from {DETECTORS}")
        self.name = name
        self._finder: BlazeFace | Mtcnn
        if name == "mtcnn":
            from ml.mtcnn_finder import Mtcnn  # imports TensorFlow

            self._finder = Mtcnn()
        else:
            self._finder = BlazeFace(threads=inference_threads())

    def warm_up(self) -> None:
        self._finder.warm_up()

    def detect(self, image: Image.Image, limit: int = MAX_FACES) -> Detected:
        small, factor = downscale(image, self._finder.max_side)
        found = self._finder.detect(small)
        if not found and (max(image.size) > self._finder.max_side or self._finder.looks_closer):
            small, factor = downscale(image, SECOND_LOOK_MAX_SIDE)
            found = self._finder.detect(small, thorough=True)
        found.sort(key=_area, reverse=True)
        pixels = np.asarray(image)
        return Detected([_face(pixels, each, factor) for each in found[:limit]], len(found))


def _area(detection: Detection) -> float:
    x0, y0, x1, y1 = detection.box
    return (x1 - x0) * (y1 - y0)


def _face(pixels: np.ndarray, detection: Detection, factor: float) -> Face:
    """The face in photo pixels; its crop is centred on the whole box, but the box it
    reports is cut to the photo, where a face at the edge may run past it."""
    x0, y0, x1, y1 = (value * factor for value in detection.box)
    whole = (round(x0), round(y0), round(x1 - x0), round(y1 - y0))
    left, right = (
        (round(x * factor), round(y * factor)) for x, y in detection.keypoints[:2].tolist()
    )
    crop = crop_face(pixels, whole, tilt=eye_tilt(left, right))
    height, width = pixels.shape[:2]
    inside_x0, inside_y0 = max(0, round(x0)), max(0, round(y0))
    inside_x1, inside_y1 = min(width, round(x1)), min(height, round(y1))
    box = (inside_x0, inside_y0, inside_x1 - inside_x0, inside_y1 - inside_y0)
    return Face(box, detection.score, (left, right), crop)


def eye_tilt(left: tuple[int, int], right: tuple[int, int]) -> float:
    """How far the eyes are from level, in degrees (positive: the head leans clockwise)."""
    return math.degrees(math.atan2(right[1] - left[1], right[0] - left[0]))


def crop_face(pixels: np.ndarray, box: tuple[int, int, int, int], tilt: float = 0.0) -> np.ndarray:
    """A square 160×160 crop around `box`, with a margin, turned by `tilt` to level the eyes.

    FaceNet compares upright faces best; the area outside the photo is black.
    """
    x, y, w, h = box
    side = max(1, round(max(w, h) * CROP_MARGIN))
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
