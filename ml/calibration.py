"""Fit a recognizer: athletes' centroids, and two lines per athlete set from stated targets.

The lines are estimated from what a training run has: leave-one-photo-out scores of each
athlete's own photos (genuine), and every face that is not that athlete (impostors): the
other faces in the training photos, the other athletes' faces, and faces reviewers marked
as not that athlete, when the caller has them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
from scipy.stats import beta
from scipy.stats import t as student_t

from ml.embedder import EMBEDDING_SIZE
from ml.errors import ModelError
from ml.features import PhotoEmbeddings
from ml.recognizer import Lines, Recognizer, centroids

# With no impostor at or above a line among n, the rate of impostors above it is below 3/n
# with 95% confidence ("rule of three"): fewer impostors than 3/target cannot show a rate.
RULE_OF_THREE = 3.0
CONFIDENCE = 0.95
# Lines sit this far above the highest impostor seen, so that impostor is not flagged.
ABOVE = 1e-4


@dataclass(frozen=True)
class Targets:
    """What the lines aim for.

    `false_accept`: at most this share of impostor faces named (the sure line, global).
    `sure_rate`: an athlete's sure line is never below the score this share of their own
    unseen photos reach, so an athlete whose photos are alike gets a stricter line.
    `recall`: this share of an athlete's unseen photos is at least flagged for review (the
    unknown line), but that line is never below the impostors' highest scores.
    Shares of an athlete's photos come from Student's t prediction interval over their
    leave-one-photo-out scores.
    """

    false_accept: float = 0.001
    sure_rate: float = 0.9
    recall: float = 0.99


DEFAULT_TARGETS = Targets()


@dataclass
class Calibration:
    """What the lines were set from and what they are estimated to do, for the manifest."""

    targets: Targets
    impostors: int
    genuine: int
    lines: dict[str, dict[str, float]]
    estimated: dict[str, float]
    too_few_impostors: bool
    message: str
    per_athlete: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "targets": asdict(self.targets)}


def fit(
    embedded: list[PhotoEmbeddings],
    labels: list[str],
    targets: Targets = DEFAULT_TARGETS,
    rejected: Mapping[str, np.ndarray] | None = None,
    confirmed: Mapping[str, np.ndarray] | None = None,
) -> tuple[Recognizer, Calibration]:
    """Centroids of the athletes' faces, and each athlete's lines.

    `rejected` maps an athlete to embeddings of faces known not to be that athlete;
    `confirmed` maps an athlete to embeddings of faces reviewers said are that athlete (see
    `training_rows` for how they count).
    """
    usable = [item for item in embedded if item.athlete is not None]
    rows, row_labels = training_rows(usable, confirmed)
    _require_two_faces_each(row_labels, labels)
    centres = centroids(rows, row_labels, labels)
    genuine = {label: leave_one_out_scores(rows, row_labels, label) for label in labels}
    impostors = {
        label: impostor_scores(usable, rows, row_labels, centres[i], label, rejected)
        for i, label in enumerate(labels)
    }
    return _lines(labels, centres, genuine, impostors, targets)


def training_rows(
    usable: list[PhotoEmbeddings], confirmed: Mapping[str, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Two rows per athlete face, and their labels: each training photo's athlete face and
    its mirror, then each reviewed face confirmed as an athlete.

    A reviewed face is stored without a mirror, so its embedding fills both rows. The rows
    stay pairs, which keeps the scoring honest: a reviewed face weighs as much as a training
    photo in its athlete's centroid, and its leave-one-out score is taken, like a photo's,
    against the centroid of the athlete's *other* faces (both of its rows left out), never
    against itself.
    """
    pairs = [item.athlete for item in usable if item.athlete is not None]
    names = [item.photo.label for item in usable]
    for label, faces in (confirmed or {}).items():
        pairs += [np.stack([face, face]) for face in np.asarray(faces, np.float32)]
        names += [label] * len(faces)
    if not pairs:
        return np.zeros((0, EMBEDDING_SIZE), np.float32), np.array([], dtype=str)
    return np.concatenate(pairs), np.repeat(names, 2)


def leave_one_out_scores(rows: np.ndarray, row_labels: np.ndarray, label: str) -> np.ndarray:
    """Each of the athlete's photos against the centroid of their *other* photos: what an
    unseen photo of them scores. Rows come in pairs (a face and its mirror)."""
    own = rows[row_labels == label]
    total = own.sum(axis=0)
    scores = []
    for start in range(0, len(own), 2):
        rest = total - own[start : start + 2].sum(axis=0)
        scores.append(float(own[start] @ (rest / np.linalg.norm(rest))))
    return np.array(scores)


def impostor_scores(
    usable: list[PhotoEmbeddings],
    rows: np.ndarray,
    row_labels: np.ndarray,
    centre: np.ndarray,
    label: str,
    rejected: Mapping[str, np.ndarray] | None,
) -> np.ndarray:
    """Every face known not to be `label`, scored against its centroid: one row per face of
    the other athletes, the strangers of the training photos, and the `rejected` faces."""
    strangers = [item.others for item in usable if len(item.others)]
    others = [rows[(row_labels != label)][::2], *strangers]
    if rejected and len(rejected.get(label, ())):
        others.append(np.asarray(rejected[label], np.float32))
    return np.concatenate(others) @ centre


def _lines(labels, centres, genuine, impostors, targets) -> tuple[Recognizer, Calibration]:
    """The global line is the impostor scores' (1 − false_accept) quantile; with too few
    impostors for that, a normal fitted to them is extrapolated, never below the highest
    impostor seen. Each athlete's lines are then raised by their own genuine scores."""
    pooled = np.concatenate(list(impostors.values()))
    all_genuine = np.concatenate(list(genuine.values()))
    needed = RULE_OF_THREE / targets.false_accept
    too_few = len(pooled) < needed
    global_line = _impostor_line(pooled, targets.false_accept)
    lines, per_athlete = {}, {}
    for label in labels:
        own = genuine[label]
        sure = max(global_line, score_reached_by(own, targets.sure_rate))
        unknown = min(max(float(pooled.max()) + ABOVE, score_reached_by(own, targets.recall)), sure)
        lines[label] = Lines(sure=_round_up(sure), unknown=_round_up(unknown))
        per_athlete[label] = {
            "genuine_photos": len(genuine[label]),
            "genuine_mean": round(float(genuine[label].mean()), 4),
            "genuine_sd": round(float(genuine[label].std()), 4),
            "impostors": len(impostors[label]),
            "sure_rate": round(float((genuine[label] >= lines[label].sure).mean()), 4),
            "recall": round(float((genuine[label] >= lines[label].unknown).mean()), 4),
        }
    named = sum(int((impostors[lab] >= lines[lab].sure).sum()) for lab in labels)
    flagged = sum(int((impostors[lab] >= lines[lab].unknown).sum()) for lab in labels)
    estimated = {
        "impostors_named": named,
        "impostors_flagged_or_named": flagged,
        "false_accept_upper_95": round(_upper_bound(named, len(pooled)), 4),
        "genuine_sure_rate": round(
            float(np.mean([(genuine[lab] >= lines[lab].sure).mean() for lab in labels])), 4
        ),
        "genuine_recall": round(
            float(np.mean([(genuine[lab] >= lines[lab].unknown).mean() for lab in labels])), 4
        ),
    }
    if too_few:
        message = (
            f"Too few impostor faces to estimate a false-accept rate of "
            f"{targets.false_accept:g}: {len(pooled)} impostor scores, at least {needed:.0f} "
            f"needed. With {named} of them named, the rate is only known to be under "
            f"{estimated['false_accept_upper_95']:.1%}; the impostor line is extrapolated. "
            "Add athletes, photos with other people, or reviewed 'not this athlete' faces."
        )
    else:
        message = (
            f"{len(pooled)} impostor scores: {named} named at the sure lines, "
            f"{flagged} at least flagged for review."
        )
    calibration = Calibration(
        targets=targets,
        impostors=len(pooled),
        genuine=len(all_genuine),
        lines={label: asdict(lines[label]) for label in labels},
        estimated=estimated,
        too_few_impostors=too_few,
        message=message,
        per_athlete=per_athlete,
    )
    return Recognizer(labels, centres, lines), calibration


def score_reached_by(scores: np.ndarray, share: float) -> float:
    """The score a new photo of the athlete reaches with probability `share`, from their
    leave-one-photo-out `scores`: the lower end of Student's t prediction interval. A normal
    with the sample's own mean and spread would be too sure of both when an athlete has five
    photos, setting the lines above most of their unseen photos."""
    n = len(scores)
    spread = float(scores.std(ddof=1)) or 1e-3
    return float(scores.mean()) - float(student_t.ppf(share, n - 1)) * spread * math.sqrt(1 + 1 / n)


def _impostor_line(scores: np.ndarray, rate: float) -> float:
    """The score that at most `rate` of impostors reach: their empirical quantile when there
    are enough of them, else a normal fitted to them, but never under the highest seen."""
    if len(scores) >= RULE_OF_THREE / rate:
        return float(np.quantile(scores, 1.0 - rate))
    tail = NormalDist(float(scores.mean()), float(scores.std()) or 1e-3).inv_cdf(1.0 - rate)
    return max(tail, float(scores.max()) + ABOVE)


def _upper_bound(hits: int, trials: int) -> float:
    """The one-sided 95% upper bound of a rate seen `hits` times in `trials` (Clopper and
    Pearson's exact interval; 3/trials when nothing was seen)."""
    return float(beta.ppf(CONFIDENCE, hits + 1, trials - hits)) if hits < trials else 1.0


def _round_up(line: float) -> float:
    """Four decimals for the manifest, never rounded down past a score it must keep out."""
    return math.ceil(line * 10_000) / 10_000


def _require_two_faces_each(row_labels: np.ndarray, labels: list[str]) -> None:
    """An athlete's genuine scores compare each face with the athlete's other faces."""
    counts = {label: int((row_labels == label).sum()) // 2 for label in labels}
    short = [f"{label} ({count})" for label, count in counts.items() if count < 2]
    if short:
        raise ModelError(
            "Every athlete needs at least two photos with a face (or faces reviewed as them); "
            "too few for: " + ", ".join(short)
        )
