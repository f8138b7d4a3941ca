"""The report a trained model carries: how it does on reviewed faces it was not fitted on,
and what each athlete was trained from.

Held-out faces are judged one by one, as the version comparison judges them: a reviewed
face rarely comes with every other face of its photo reviewed, so the one-athlete-per-photo
rule could not be applied faithfully. Judged alone, a face can only be named more often, so
the false accepts below are never under what the product would give.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ml.det import DetCurve, scored
from ml.recognizer import Recognizer
from ml.results import UNKNOWN
from ml.reviewed import HELD_OUT_EVERY, ReviewedFace


@dataclass(frozen=True)
class AthleteHeldOut:
    """What one athlete was trained from, and how their held-out faces fared."""

    training_photos: int
    reviewed_positives: int
    # Impostor scores their lines were set from, and how many came from reviewed faces.
    impostors: int
    reviewed_impostors: int
    held_out: int
    sure: int
    # Named surely, or needing review with this athlete as the candidate.
    flagged: int
    named_wrongly: int


@dataclass(frozen=True)
class StrangersHeldOut:
    """Held-out faces of people the model does not know: how many were named or flagged."""

    held_out: int
    named: int
    flagged: int


@dataclass(frozen=True)
class HeldOutReport:
    """What training measured on the reviewed faces it held out (``measure``): stored in the
    manifest's ``metrics["held_out"]`` as `to_dict()` and read back with `from_dict()`."""

    held_out_every: int
    reviewed_faces: int
    fitted_faces: int
    held_out_faces: int
    held_out_photos: int
    athletes: dict[str, AthleteHeldOut]
    strangers: StrangersHeldOut
    det: DetCurve

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        det = data.pop("det")  # stored beside the counts: `scores`, `operating_points`
        return {**data, **det}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HeldOutReport:
        return cls(
            held_out_every=data["held_out_every"],
            reviewed_faces=data["reviewed_faces"],
            fitted_faces=data["fitted_faces"],
            held_out_faces=data["held_out_faces"],
            held_out_photos=data["held_out_photos"],
            athletes={label: AthleteHeldOut(**each) for label, each in data["athletes"].items()},
            strangers=StrangersHeldOut(**data["strangers"]),
            det=DetCurve.from_dict(data),
        )

    def describe(self) -> list[tuple[str, str]]:
        """The report as (what, figures) rows for a page or a log, saying "n/a" where there is
        nothing held out to measure rather than a rate of nothing."""
        athletes = self.athletes.values()
        genuine = sum(each.held_out for each in athletes)
        rows = [
            (
                "Reviewed faces",
                f"{self.reviewed_faces}: {self.fitted_faces} fitted, "
                f"{self.held_out_faces} held out to measure on (from "
                f"{self.held_out_photos} photos; every face of one photo in "
                f"{self.held_out_every} is held out)",
            ),
            (
                "Held-out recall",
                _recall(
                    genuine,
                    sum(each.sure for each in athletes),
                    sum(each.flagged for each in athletes),
                ),
            ),
            ("Held-out false accepts", self._false_accepts()),
        ]
        for label, each in self.athletes.items():
            rows.append(
                (
                    label,
                    f"{each.training_photos} training photos, "
                    f"{each.reviewed_positives} reviewed faces as positives, "
                    f"{each.impostors} impostor scores ({each.reviewed_impostors} from "
                    f"reviewed faces); held out: {each.held_out}, recall "
                    + _recall(each.held_out, each.sure, each.flagged),
                )
            )
        if self.det.drawable:
            for name, point in self.det.operating_points.items():
                rows.append(
                    (
                        f"{name.capitalize()} lines on held-out faces",
                        f"false accepts {point.false_accept:.1%}, "
                        f"false rejects {point.false_reject:.1%}",
                    )
                )
        else:
            rows.append(
                (
                    "DET curve",
                    "n/a: it needs held-out faces of athletes and of other people "
                    f"({genuine} and {self.strangers.held_out} held out)",
                )
            )
        return rows

    def _false_accepts(self) -> str:
        wrongly = sum(each.named_wrongly for each in self.athletes.values())
        strangers = self.strangers
        others = (
            "n/a, 0 held-out faces of other people"
            if not strangers.held_out
            else f"{strangers.named} of {strangers.held_out} faces of other people named, "
            f"{strangers.flagged} flagged for review"
        )
        return f"{others}; {wrongly} athletes' faces named as another athlete"


def measure(
    recognizer: Recognizer,
    fitting: Sequence[ReviewedFace],
    held_out: Sequence[ReviewedFace],
    training_photos: Mapping[str, int],
    impostors: Mapping[str, int],
) -> HeldOutReport:
    """The report: what each athlete was trained from, and how the held-out faces fare.

    A held-out face reviewed as an athlete of the model is genuine: named surely, at least
    flagged (sure, or needing review with that athlete as the candidate), or named as
    another athlete. Any other held-out face is an impostor: named or flagged means the
    model would have put, or proposed, a wrong name. `impostors` counts, per athlete, every
    impostor score the lines were set from (`Calibration.per_athlete`).
    """
    labels = recognizer.labels
    fitted = Counter(face.answer for face in fitting)
    athletes = {
        label: {
            "training_photos": training_photos.get(label, 0),
            "reviewed_positives": fitted[label],
            "impostors": impostors.get(label, 0),
            "reviewed_impostors": len(fitting) - fitted[label],
            "held_out": 0,
            "sure": 0,
            "flagged": 0,
            "named_wrongly": 0,
        }
        for label in labels
    }
    strangers = {"held_out": 0, "named": 0, "flagged": 0}
    genuine: list[list[Any]] = []
    impostor: list[list[Any]] = []
    for face in held_out:
        embedding = face.embedding[np.newaxis].astype(np.float32)
        scores, cosines = recognizer.scores(embedding)[0], recognizer.cosines(embedding)[0]
        (naming,) = recognizer.name(embedding)
        if face.answer in athletes:
            counts = athletes[face.answer]
            counts["held_out"] += 1
            counts["sure"] += naming.label == face.answer
            counts["flagged"] += naming.label == face.answer or (
                naming.needs_review and naming.candidate == face.answer
            )
            counts["named_wrongly"] += naming.label not in (face.answer, UNKNOWN)
            genuine.append(scored(labels, labels.index(face.answer), scores, cosines))
        else:
            strangers["held_out"] += 1
            strangers["named"] += naming.label != UNKNOWN
            strangers["flagged"] += naming.needs_review
            impostor.append(scored(labels, int(scores.argmax()), scores, cosines))
    return HeldOutReport(
        held_out_every=HELD_OUT_EVERY,
        reviewed_faces=len(fitting) + len(held_out),
        fitted_faces=len(fitting),
        held_out_faces=len(held_out),
        held_out_photos=len({face.photo for face in held_out}),
        athletes={label: AthleteHeldOut(**counts) for label, counts in athletes.items()},
        strangers=StrangersHeldOut(**strangers),
        det=DetCurve.measure(recognizer.lines, genuine, impostor),
    )


def _recall(held_out: int, sure: int, flagged: int) -> str:
    if not held_out:
        return "n/a, 0 held-out faces"
    return (
        f"named surely {sure}/{held_out} ({sure / held_out:.1%}), "
        f"at least flagged {flagged}/{held_out} ({flagged / held_out:.1%})"
    )
