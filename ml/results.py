"""What a prediction says, as plain data that survives JSON and a database round trip."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

UNKNOWN = "unknown"
NO_FACE = "no_face"


@dataclass(frozen=True)
class FaceResult:
    """One face: where it is (original pixels, `[x, y, w, h]`) and who it is.

    `label` is an athlete only when the match is sure, else `unknown`; `candidate` is the
    closest athlete still free in this photo, always; `score` is the cosine to that
    athlete's centroid; `needs_review` is true between the sure and the unknown lines.
    """

    box: tuple[int, int, int, int]
    label: str
    candidate: str
    score: float
    needs_review: bool
    detection_confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "box": list(self.box)}


@dataclass(frozen=True)
class ImageResult:
    """A photo's faces and its overall answer, with how long each stage took (ms).

    The overall `label` follows sure faces only: the best-scored one names the photo. With
    faces but none sure it is `unknown`, and `needs_review` if a face is in the review band;
    with no face it is `no_face`. `faces_found` counts faces before the per-photo cap.
    """

    label: str
    score: float
    needs_review: bool
    faces: list[FaceResult]
    faces_found: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def faces_capped(self) -> bool:
        return self.faces_found > len(self.faces)

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "faces": [face.to_dict() for face in self.faces],
            "faces_capped": self.faces_capped,
        }

    @classmethod
    def from_faces(
        cls, faces: list[FaceResult], faces_found: int, timings: dict[str, float]
    ) -> ImageResult:
        if not faces:
            return cls(NO_FACE, 0.0, False, faces, faces_found, timings)
        sure = [face for face in faces if face.label != UNKNOWN]
        if sure:
            best = max(sure, key=lambda face: face.score)
            return cls(best.label, best.score, False, faces, faces_found, timings)
        review = any(face.needs_review for face in faces)
        best_score = max(face.score for face in faces)
        return cls(UNKNOWN, best_score, review, faces, faces_found, timings)
