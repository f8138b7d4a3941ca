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
from typing import Any

import numpy as np

from ml.det import operating_points, scored
from ml.recognizer import Recognizer
from ml.results import UNKNOWN
from ml.reviewed import HELD_OUT_EVERY, ReviewedFace


def measure(
    recognizer: Recognizer,
    fitting: Sequence[ReviewedFace],
    held_out: Sequence[ReviewedFace],
    training_photos: Mapping[str, int],
    impostors: Mapping[str, int],
) -> dict[str, Any]:
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
    return {
        "held_out_every": HELD_OUT_EVERY,
        "reviewed_faces": len(fitting) + len(held_out),
        "fitted_faces": len(fitting),
        "held_out_faces": len(held_out),
        "held_out_photos": len({face.photo for face in held_out}),
        "athletes": athletes,
        "strangers": strangers,
        "scores": {"genuine": genuine, "impostor": impostor},
        "operating_points": operating_points(recognizer.lines, genuine, impostor),
    }


def has_det_curve(report: Mapping[str, Any]) -> bool:
    """A DET curve needs held-out faces of both kinds: athletes' and others'."""
    scores = report.get("scores", {})
    return bool(scores.get("genuine")) and bool(scores.get("impostor"))


def describe(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The report as (what, figures) rows for a page or a log, saying "n/a" where there is
    nothing held out to measure rather than a rate of nothing."""
    athletes = report["athletes"]
    genuine = sum(each["held_out"] for each in athletes.values())
    strangers = report["strangers"]
    rows = [
        (
            "Reviewed faces",
            f"{report['reviewed_faces']}: {report['fitted_faces']} fitted, "
            f"{report['held_out_faces']} held out to measure on (from "
            f"{report['held_out_photos']} photos; every face of one photo in "
            f"{report['held_out_every']} is held out)",
        ),
        (
            "Held-out recall",
            _recall(
                genuine,
                sum(each["sure"] for each in athletes.values()),
                sum(each["flagged"] for each in athletes.values()),
            ),
        ),
        ("Held-out false accepts", _false_accepts(strangers, athletes)),
    ]
    for label, each in athletes.items():
        rows.append(
            (
                label,
                f"{each['training_photos']} training photos, "
                f"{each['reviewed_positives']} reviewed faces as positives, "
                f"{each['impostors']} impostor scores ({each['reviewed_impostors']} from "
                f"reviewed faces); held out: {each['held_out']}, recall "
                + _recall(each["held_out"], each["sure"], each["flagged"]),
            )
        )
    if has_det_curve(report):
        for name, point in report["operating_points"].items():
            rows.append(
                (
                    f"{name.capitalize()} lines on held-out faces",
                    f"false accepts {point['false_accept']:.1%}, "
                    f"false rejects {point['false_reject']:.1%}",
                )
            )
    else:
        rows.append(
            (
                "DET curve",
                "n/a: it needs held-out faces of athletes and of other people "
                f"({genuine} and {strangers['held_out']} held out)",
            )
        )
    return rows


def _recall(held_out: int, sure: int, flagged: int) -> str:
    if not held_out:
        return "n/a, 0 held-out faces"
    return (
        f"named surely {sure}/{held_out} ({sure / held_out:.1%}), "
        f"at least flagged {flagged}/{held_out} ({flagged / held_out:.1%})"
    )


def _false_accepts(strangers: Mapping[str, int], athletes: Mapping[str, Any]) -> str:
    wrongly = sum(each["named_wrongly"] for each in athletes.values())
    held_out = strangers["held_out"]
    others = (
        "n/a, 0 held-out faces of other people"
        if not held_out
        else f"{strangers['named']} of {held_out} faces of other people named, "
        f"{strangers['flagged']} flagged for review"
    )
    return f"{others}; {wrongly} athletes' faces named as another athlete"
