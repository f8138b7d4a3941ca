"""What a prediction says, as plain data that survives JSON and a database round trip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

UNKNOWN = "unknown"
NO_FACE = "no_face"


class Named(Protocol):
    label: str
    confidence: float
    probabilities: dict[str, float]


def verdict(faces: Sequence[Named]) -> tuple[str, float, dict[str, float]]:
    """The photo's label: its most confident known athlete, else `unknown`, else `no_face`."""
    if not faces:
        return NO_FACE, 1.0, {}
    known = [face for face in faces if face.label != UNKNOWN]
    best = max(known or faces, key=lambda face: face.confidence)
    return best.label, best.confidence, best.probabilities


@dataclass(frozen=True)
class FaceResult:
    """One face: where it is (original pixels, `[x, y, w, h]`) and who we think it is."""

    box: tuple[int, int, int, int]
    label: str
    confidence: float
    distance: float
    probabilities: dict[str, float]
    detection_confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "box": list(self.box)}


@dataclass(frozen=True)
class ImageResult:
    """A photo's faces and its overall verdict, with how long each stage took (ms)."""

    label: str
    confidence: float
    faces: list[FaceResult]
    probabilities: dict[str, float]
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "faces": [face.to_dict() for face in self.faces]}

    @classmethod
    def from_faces(cls, faces: list[FaceResult], timings: dict[str, float]) -> ImageResult:
        label, confidence, probabilities = verdict(faces)
        return cls(label, confidence, faces, probabilities, timings)
