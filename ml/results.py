"""What a prediction says, as plain data that survives JSON and a database round trip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

UNKNOWN = "unknown"
NO_FACE = "no_face"
# A reviewer's answer for a false detection (an arm, a logo): no face at all, so it names
# nobody, counts for no photo's answer, and is never grouped or trained on.
NOT_A_FACE = "not_a_face"
# The answers that name nobody: no athlete may carry one as a label, or reviewers' "not an
# athlete" would train as that athlete's faces.
ANSWERS_NOT_ATHLETES = frozenset({UNKNOWN, NO_FACE, NOT_A_FACE})


def percent(score: float) -> str:
    """A score as every page and drawing shows it: 0.874 is "87.4%"."""
    return f"{score * 100:.1f}%"


class Answered(Protocol):
    """A face as the photo's answer reads it: who it is now, whether a reviewer said so, and
    the model's closest athlete and score."""

    @property
    def answer(self) -> str: ...
    @property
    def reviewed(self) -> bool: ...
    @property
    def candidate(self) -> str: ...
    @property
    def score(self) -> float: ...


def photo_answer(faces: Sequence[Answered]) -> tuple[str, float | None]:
    """A photo's label and confidence from its faces, reviewers' answers first: the athlete a
    reviewer named, else the model's best sure face that no reviewer overruled, else `unknown`
    (`no_face` without faces). The confidence is the model's score when the answer is the
    model's candidate, None when a reviewer named someone else. Faces a reviewer said are
    not faces count for nothing."""
    faces = [face for face in faces if face.answer != NOT_A_FACE]
    if not faces:
        return NO_FACE, 0.0
    named = [face for face in faces if face.reviewed and face.answer != UNKNOWN]
    if not named:
        named = [face for face in faces if not face.reviewed and face.answer != UNKNOWN]
    if not named:
        return UNKNOWN, max(face.score for face in faces)
    best = max(named, key=lambda face: face.score)
    return best.answer, best.score if best.candidate == best.answer else None


@dataclass(frozen=True)
class FaceResult:
    """One face: where it is (original pixels, `[x, y, w, h]`) and who it is.

    `label` is an athlete only when the match is sure, else `unknown`; `candidate` is the
    closest athlete still free in this photo, always; `score` is the cosine to that
    athlete's centroid; `needs_review` is true between the sure and the unknown lines.
    `off_roster` is the athlete the whole model would have named surely, when an event's
    roster left them out (so a reviewer learns why a famous face is unknown); else "".
    """

    box: tuple[int, int, int, int]
    label: str
    candidate: str
    score: float
    needs_review: bool
    detection_confidence: float
    off_roster: str = ""

    @property
    def answer(self) -> str:
        return self.label

    @property
    def reviewed(self) -> bool:
        return False

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "box": list(self.box)}


@dataclass(frozen=True)
class ImageResult:
    """A photo's faces and its overall answer, with how long each stage took (ms).

    The overall `label` is `photo_answer` of the faces: the best-scored sure face names the
    photo; with faces but none sure it is `unknown`, and `needs_review` if a face is in the
    review band; with no face it is `no_face`. `faces_found` counts faces before the per-photo
    cap.
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
        label, score = photo_answer(faces)
        review = label == UNKNOWN and any(face.needs_review for face in faces)
        return cls(label, score or 0.0, review, faces, faces_found, timings)
