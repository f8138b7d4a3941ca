"""Fit a recognizer: athletes' centroids, and two lines per athlete that hold as the roster grows.

Each athlete's scores are read against their own impostors: faces known not to be them (the
other athletes' faces, faces reviewers said are someone else or nobody enrolled, `rejected`
faces) and faces that are probably not them (the other faces of the training photos, and a
cohort of strangers' faces). A probable face that matches an athlete as well as their own
photos do is not counted against them: it may be them (teammates share photos). A score's
*level* is how many spreads it lies above the mean of the athlete's impostors, so that a level
is about as rare for every athlete.

Two levels, one for the whole roster, come from the stated targets:

- sure: a stranger's photo is named with probability `false_accept`, counted against the whole
  roster, not per comparison. With a cohort it is read off the highest level each reference
  face reaches over all the athletes (cross-fitted, so no face judges the statistics it made;
  the tail beyond the data is extrapolated): the line rises with the roster. Without one, a
  normal's tail at `false_accept / N` stands in for it.
- unknown: the level that `recall` of the athletes' own unseen photos reach (their
  leave-one-photo-out scores), or lower, as far as `flagged` of strangers' photos allow.

An athlete's sure line never lets a face known not to be them through. Without a cohort it is
also never below the score `sure_rate` of their own new photos reach: a few training photos'
bystanders cannot show how close a look-alike comes. Nor can a cohort of other people than
those the installation photographs: a model with a cohort also keeps the sure line the same
training gives without it, on the cosine, and names a face only when it reaches both
(`Lines.sure_without_cohort`). With the league's news photos as the cohort, a model of two
basketball players named a look-alike of one of them that the model without it flagged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from ml.dataset import MIN_FACES
from ml.embedder import EMBEDDING_SIZE
from ml.errors import ModelError
from ml.features import PhotoEmbeddings
from ml.normalisation import MIN_COHORT, Normaliser, sample
from ml.recognizer import Lines, Recognizer, centroids

# Lines sit this far above the highest known impostor, so that face is not named.
ABOVE = 1e-4
# A rate is read straight off the reference faces where at least this many reach it.
EMPIRICAL = 10
# Beyond that, an exponential tail is fitted to this many of the highest levels: the tail of a
# maximum over many scores is exponential (Gumbel's), and heavier than a normal's.
TAIL = 50
# Fewer reference faces than this cannot place the flagged line: recall alone sets it.
MIN_REFERENCES = 20


@dataclass(frozen=True)
class Targets:
    """What the lines aim for, in the order they give way (docs/benchmarks.md).

    `false_accept`: at most this share of strangers' photos named, against the whole roster.
    `recall`: this share of an athlete's new photos at least flagged for review.
    `flagged`: at most this share of strangers' photos flagged, where `recall` allows.
    `sure_rate`: without a cohort, an athlete's sure line is never below the score this share
    of their own new photos reach (Student's t prediction interval over their
    leave-one-photo-out scores).
    """

    false_accept: float = 0.001
    recall: float = 0.99
    flagged: float = 0.04
    sure_rate: float = 0.9


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
    levels: dict[str, float] = field(default_factory=dict)
    look_alikes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "targets": asdict(self.targets)}


def fit(
    embedded: list[PhotoEmbeddings],
    labels: list[str],
    targets: Targets = DEFAULT_TARGETS,
    rejected: Mapping[str, np.ndarray] | None = None,
    confirmed: Mapping[str, np.ndarray] | None = None,
    strangers: np.ndarray | None = None,
    cohort: np.ndarray | None = None,
) -> tuple[Recognizer, Calibration]:
    """Centroids of the athletes' faces, and each athlete's lines.

    `rejected` maps an athlete to faces known not to be them; `strangers` are faces known to be
    nobody enrolled (reviewed "not an athlete"); `confirmed` maps an athlete to faces reviewers
    said are them (see `training_rows`). `cohort` holds faces of people who are probably not
    enrolled (an installation's unknown faces, a reference set): with at least MIN_COHORT of
    them, scores are normalised against it (``ml.normalisation``) and the lines are read off it
    (at most MAX_COHORT of them, a seeded sample); each athlete's lines then also keep the sure
    line this fit gives without the cohort (`Lines.sure_without_cohort`).
    """
    usable = [item for item in embedded if item.athlete is not None]
    rows, row_labels = training_rows(usable, confirmed)
    _require_two_faces_each(row_labels, labels)
    centres = centroids(rows, row_labels, labels)
    reference = sample(_faces(cohort))
    warm = len(reference) >= MIN_COHORT
    scorer = Recognizer(labels, centres, {}, Normaliser(centres, reference) if warm else None)
    index = {label: number for number, label in enumerate(labels)}
    owner = np.array([index[label] for label in row_labels[::2]], dtype=int)
    cosines = leave_one_out_cosines(rows, owner)
    normaliser = scorer.normaliser
    genuine = cosines if normaliser is None else normaliser.of_cosine(cosines, owner, rows[::2])
    own = _own_photos(owner, len(usable), len(labels))
    lowest_own = np.array([genuine[mine].min() for mine in own])
    table = _impostor_table(scorer, rows[::2], owner, lowest_own, usable, strangers, reference)
    known = np.arange(len(owner) + len(_faces(strangers)))
    extra = [
        scorer.scores(_faces((rejected or {}).get(label)))[:, number]
        for number, label in enumerate(labels)
    ]
    mean, spread = _statistics(table, extra)
    highest = _highest_levels(table)
    sure_level = (
        level_reached(highest, targets.false_accept)
        if warm
        else NormalDist().inv_cdf(1 - targets.false_accept / len(labels))
    )
    photos = np.any(own, axis=0)
    genuine_levels = (genuine[photos] - mean[owner[photos]]) / spread[owner[photos]]
    unknown_level = float(np.quantile(genuine_levels, 1 - targets.recall))
    if len(highest) >= MIN_REFERENCES:
        unknown_level = min(unknown_level, level_reached(highest, targets.flagged))
    known_highest = np.array(
        [
            max(
                np.nanmax(table[known, number], initial=-1.0),
                float(np.max(extra[number], initial=-1.0)),
            )
            for number in range(len(labels))
        ]
    )
    sure = np.maximum(mean + sure_level * spread, known_highest + ABOVE)
    if not warm:
        sure = np.maximum(
            sure,
            [score_reached_by(genuine[owner == n], targets.sure_rate) for n in range(len(labels))],
        )
    unknown = np.minimum(mean + unknown_level * spread, sure)
    without = fit(embedded, labels, targets, rejected, confirmed, strangers)[0] if warm else None
    lines = {
        label: Lines(
            sure=_round_up(sure[n]),
            unknown=_round_up(unknown[n]),
            sure_without_cohort=without.lines[label].sure if without else None,
        )
        for n, label in enumerate(labels)
    }
    own_named = np.array(
        [
            lines[labels[n]].names(score, cosine)
            for n, score, cosine in zip(owner, genuine, cosines, strict=True)
        ]
    )
    recognizer = Recognizer(labels, centres, lines, scorer.normaliser)
    calibration = _report(
        targets, labels, lines, table, known, extra, genuine, own_named, owner, highest,
        {"sure": sure_level, "unknown": unknown_level}, warm, len(reference),
        mean + sure_level * spread,
    )  # fmt: skip
    return recognizer, calibration


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
    return np.concatenate(pairs).astype(np.float32), np.repeat(names, 2)


def leave_one_out_cosines(rows: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Each athlete face's cosine (rows in pairs: a face and its mirror) to the centroid of
    their *other* faces: what an unseen photo of them scores."""
    faces = rows[::2]
    cosines = np.empty(len(faces), np.float32)
    for number in np.unique(owner):
        mine = np.flatnonzero(owner == number)
        pairs = rows.reshape(-1, 2, rows.shape[1])[mine].sum(axis=1)
        rest = pairs.sum(axis=0) - pairs
        rest /= np.linalg.norm(rest, axis=1, keepdims=True)
        cosines[mine] = np.sum(faces[mine] * rest, axis=1)
    return cosines


def _own_photos(owner: np.ndarray, photos: int, athletes: int) -> np.ndarray:
    """Which athlete faces are each athlete's own photos, (athletes, faces): the training
    photos, not the reviewed faces, which were reviewed *because* they scored low: read as new
    photos they would make the athlete's next photos look harder than they are (the unknown
    line) and excuse more bystanders (the probable impostors). An athlete with fewer than two
    photos is known by all their faces."""
    is_photo = np.arange(len(owner)) < photos
    mine = owner[np.newaxis] == np.arange(athletes)[:, np.newaxis]
    photographed = mine & is_photo
    enough = photographed.sum(axis=1, keepdims=True) >= 2
    return np.where(enough, photographed, mine)


def _impostor_table(scorer, faces, owner, lowest_own, usable, strangers, reference) -> np.ndarray:
    """Every reference face's score for every athlete, NaN where it is no impostor of theirs:
    the athletes' faces (impostors of everyone else), the faces known to be strangers, then
    the probable strangers (the training photos' other faces, the cohort) where they score
    below all of the athlete's own photos."""
    athletes = np.arange(scorer.centres.shape[0])
    own = np.where(owner[:, np.newaxis] != athletes, scorer.scores(faces), np.nan)
    parts = [own]
    if strangers is not None and len(strangers):
        parts.append(scorer.scores(_faces(strangers)))
    others = [item.others for item in usable if len(item.others)]
    probable = [scorer.scores(np.concatenate(others).astype(np.float32))] if others else []
    if len(reference):
        cosines = scorer.cosines(reference)
        in_cohort = scorer.normaliser is not None
        probable.append(
            scorer.normaliser(cosines, reference, in_cohort=True) if in_cohort else cosines
        )
    parts += [np.where(scores < lowest_own, scores, np.nan) for scores in probable]
    return np.concatenate(parts).astype(np.float64)


def _statistics(table: np.ndarray, extra: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of each athlete's impostor scores (the table's column and the faces
    rejected for them)."""
    mean, spread = [], []
    for number, more in enumerate(extra):
        column = table[:, number]
        scores = np.concatenate([column[~np.isnan(column)], more])
        mean.append(scores.mean())
        spread.append(max(float(scores.std()), 1e-3))
    return np.array(mean), np.array(spread)


def _highest_levels(table: np.ndarray) -> np.ndarray:
    """Each reference face's highest level over the roster, cross-fitted: the faces of one
    half are read with the mean and spread of the other half."""
    halves = np.arange(len(table)) % 2
    highest = []
    for half in (0, 1):
        fitted = table[halves != half]
        present = ~np.isnan(fitted)
        count = np.maximum(present.sum(axis=0), 1)
        mean = np.where(present, fitted, 0).sum(axis=0) / count
        spread = np.sqrt(np.where(present, (fitted - mean) ** 2, 0).sum(axis=0) / count)
        levels = (table[halves == half] - mean) / np.maximum(spread, 1e-3)
        scored = ~np.all(np.isnan(levels), axis=1)
        highest.append(np.nanmax(levels[scored], axis=1))
    return np.concatenate(highest)


def level_reached(levels: np.ndarray, rate: float) -> float:
    """The level that a share `rate` of `levels` reach: their quantile where at least
    EMPIRICAL of them reach it, else extrapolated along an exponential tail fitted to the
    highest TAIL of them."""
    ranked = np.sort(levels)
    if len(ranked) * rate >= EMPIRICAL:
        return float(np.quantile(ranked, 1 - rate))
    tail = min(TAIL, len(ranked) - 1)
    start = ranked[-tail - 1]
    scale = max(float((ranked[-tail:] - start).mean()), 1e-3)
    return float(start + scale * math.log(tail / len(ranked) / rate))


def share_reaching(levels: np.ndarray, level: float) -> float:
    """The share of faces like `levels` that reach `level`: the inverse of `level_reached`."""
    ranked = np.sort(levels)
    reached = int((ranked >= level).sum())
    if reached >= EMPIRICAL:
        return reached / len(ranked)
    tail = min(TAIL, len(ranked) - 1)
    start = ranked[-tail - 1]
    scale = max(float((ranked[-tail:] - start).mean()), 1e-3)
    return tail / len(ranked) * math.exp(-(level - start) / scale) if level > start else 1.0


def score_reached_by(scores: np.ndarray, share: float) -> float:
    """The score a new photo of the athlete reaches with probability `share`, from their
    leave-one-photo-out `scores`: the lower end of Student's t prediction interval. A normal
    with the sample's own mean and spread would be too sure of both when an athlete has five
    photos, setting the lines above most of their unseen photos."""
    n = len(scores)
    spread = float(scores.std(ddof=1)) or 1e-3
    return float(scores.mean()) - float(student_t.ppf(share, n - 1)) * spread * math.sqrt(1 + 1 / n)


def _report(
    targets, labels, lines, table, known, extra, genuine, own_named, owner, highest, levels, warm,
    cohort, impostor_lines,
) -> Calibration:  # fmt: skip
    """`own_named`: which of the athletes' own leave-one-out photos their lines name."""
    sure = np.array([lines[label].sure for label in labels])
    unknown = np.array([lines[label].unknown for label in labels])
    named = table >= sure
    flagged = table >= unknown
    impostors = int((~np.isnan(table)).sum()) + sum(len(more) for more in extra)
    per_athlete = {}
    for number, label in enumerate(labels):
        own = genuine[owner == number]
        per_athlete[label] = {
            "genuine_photos": len(own),
            "genuine_mean": round(float(own.mean()), 4),
            "genuine_sd": round(float(own.std()), 4),
            "impostors": int((~np.isnan(table[:, number])).sum()) + len(extra[number]),
            "sure_rate": round(float(own_named[owner == number].mean()), 4),
            "recall": round(float((own >= unknown[number]).mean()), 4),
        }
    estimated = {
        "reference_faces": len(highest),
        "reference_faces_named": int(named.any(axis=1).sum()),
        "reference_faces_flagged_or_named": int(flagged.any(axis=1).sum()),
        "impostors_named": int(named[known].sum()),
        "impostors_flagged_or_named": int(flagged[known].sum()),
        "genuine_sure_rate": round(
            float(np.mean([p["sure_rate"] for p in per_athlete.values()])), 4
        ),
        "genuine_recall": round(float(np.mean([p["recall"] for p in per_athlete.values()])), 4),
    }
    if warm:
        estimated["strangers_named_per_photo"] = round(share_reaching(highest, levels["sure"]), 6)
        estimated["strangers_flagged_per_photo"] = round(
            share_reaching(highest, levels["unknown"]), 4
        )
        message = (
            f"{len(highest)} reference faces ({cohort} from the cohort) against {len(labels)} "
            f"athletes: a stranger's photo is named with an estimated probability of at most "
            f"{estimated['strangers_named_per_photo']:.2%} (target {targets.false_accept:g}) "
            f"and flagged {estimated['strangers_flagged_per_photo']:.1%}; at most "
            f"{estimated['reference_faces_named']} of the reference faces are named (a face "
            "is named only where its cosine also reaches the sure line of the same training "
            "without the cohort)."
        )
    else:
        message = (
            f"No cohort of at least {MIN_COHORT} strangers' faces ({cohort} given): the sure "
            f"lines extrapolate a normal's tail over each athlete's {len(highest)} reference "
            f"faces and stay at or above what {targets.sure_rate:.0%} of their own photos "
            "reach, so how often a stranger is named is not measured. Train with a cohort "
            "(`--cohort`: photos of people who are not enrolled) to set the lines from it."
        )
    return Calibration(
        targets=targets,
        impostors=impostors,
        genuine=len(genuine),
        lines={label: lines[label].to_dict() for label in labels},
        estimated=estimated,
        too_few_impostors=not warm,
        message=message,
        per_athlete=per_athlete,
        levels={name: round(float(value), 4) for name, value in levels.items()},
        look_alikes=_look_alikes(table[known], owner, labels, impostor_lines),
    )


def _look_alikes(known: np.ndarray, owner: np.ndarray, labels: list[str], lines: np.ndarray):
    """Pairs of athletes hard to tell apart: how many of one's photos reach the level the other
    would be named at, before their line was raised to keep those photos out."""
    pairs = []
    faces = known[: len(owner)]
    for number, label in enumerate(labels):
        above = faces[:, number] >= lines[number]
        for other in np.unique(owner[above]):
            pairs.append(
                {
                    "athlete": label,
                    "like": labels[int(other)],
                    "photos": int((above & (owner == other)).sum()),
                }
            )
    return pairs


def _faces(faces: np.ndarray | None) -> np.ndarray:
    if faces is None or not len(faces):
        return np.zeros((0, EMBEDDING_SIZE), np.float32)
    return np.asarray(faces, np.float32)


def _round_up(line: float) -> float:
    """Four decimals for the manifest, never rounded down past a score it must keep out."""
    return math.ceil(float(line) * 10_000) / 10_000


def _require_two_faces_each(row_labels: np.ndarray, labels: list[str]) -> None:
    """An athlete's genuine scores compare each face with the athlete's other faces."""
    counts = {label: int((row_labels == label).sum()) // 2 for label in labels}
    short = [f"{label} ({count})" for label, count in counts.items() if count < MIN_FACES]
    if short:
        raise ModelError(
            "Every athlete needs at least two photos with a face (or faces reviewed as them); "
            "too few for: " + ", ".join(short)
        )
