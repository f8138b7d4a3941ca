"""Open-set 1:N identification on the league dev set, in the terms NIST's face recognition
vendor tests use, and in a desk's.

For each roster size, that many people drawn at random (seeded) are enrolled from their
``enrol/`` photos; then every ``probe/`` photo of them is a *mated* search and every
``strangers/`` photo a *non-mated* one. Each photo is named whole, as the product names it
(one athlete per photo), and its searched face is the one nearest the centre.

- FPIR(t): the share of non-mated searches that name someone at threshold t.
- FNIR(t): the share of mated searches that do not name the right person at t (a wrong
  rank-1 candidate, a score under t, or no face found).

The threshold moves every person's sure line together (t = 0 is the model's own lines), so
"FNIR at FPIR = 0.001" is what the model's lines, shifted until at most 1 stranger in 1,000
is named, leave unnamed. These curves read the score alone: a model with a cohort names a face
only where its cosine also reaches the sure line without the cohort
(`Lines.sure_without_cohort`), which the desk's figures count. The same figures for one
cosine line shared by everyone measure the embeddings and centroids alone, before any
calibration.
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ml.calibration import DEFAULT_TARGETS, Targets, fit
from ml.embedding_cache import SeenPhoto, training_photos
from ml.league import League
from ml.recognizer import Naming, Recognizer
from ml.results import UNKNOWN

log = logging.getLogger(__name__)

FPIR_POINTS = (0.001, 0.003, 0.01, 0.05, 0.1)
# The margin of a search that names nobody at any threshold (a mated search whose rank-1
# candidate is someone else, a photo with no face): below every real margin.
NEVER = -1e6


def roster(people: Sequence[str], size: int | None, seed: int) -> list[str]:
    """`size` people drawn from `people` (all of them for None), sorted."""
    chosen = (
        list(people)
        if size is None or size >= len(people)
        else random.Random(seed).sample(list(people), size)
    )
    return sorted(chosen)


def evaluate_roster(
    league: League,
    people: list[str],
    *,
    cohort: np.ndarray | None = None,
    targets: Targets = DEFAULT_TARGETS,
) -> dict[str, Any]:
    """Enrol `people`, then search with their probes and with every stranger."""
    enrolled = set(people)
    photos = training_photos([item for item in league.enrol if item.photo.label in enrolled])
    started = time.perf_counter()
    recognizer, calibration = fit(photos, people, targets, cohort=cohort)
    train_s = time.perf_counter() - started
    probes = [item for item in league.probe if item.photo.label in enrolled]
    mated = [search(recognizer, item) for item in probes]
    non_mated = [search(recognizer, item) for item in league.strangers]
    timings = [outcome.microseconds_per_face for outcome in mated + non_mated if outcome.faces]
    report = {
        "people": len(people),
        "enrol_photos": len(photos),
        "cohort_faces": 0 if cohort is None else len(cohort),
        "train_s": round(train_s, 3),
        "naming_us_per_face_median": round(statistics.median(timings), 1),
        "probes": mated_summary(mated, [item.photo.label for item in probes]),
        "strangers": non_mated_summary(non_mated),
        "estimated": calibration.estimated,
        "levels": calibration.levels,
        "calibration": calibration.message,
    }
    truth = [item.photo.label for item in probes]
    lines = recognizer.lines
    margins = _mated_margins(mated, truth, lambda o: o.score - lines[o.naming.candidate].sure)
    stranger_margins = _non_mated_margins(
        non_mated, lambda o: o.score - lines[o.naming.candidate].sure
    )
    cosines = _mated_margins(mated, truth, lambda o: o.naming.score)
    stranger_cosines = _non_mated_margins(non_mated, lambda o: o.naming.score)
    report["fnir_at_fpir"] = fnir_at_fpir(margins, stranger_margins)
    report["fnir_at_fpir_one_cosine_line"] = fnir_at_fpir(cosines, stranger_cosines)
    report["scores"] = {
        "genuine": [["mated", float(score)] for score in margins],
        "impostor": [["non-mated", float(score)] for score in stranger_margins],
    }
    report["operating_points"] = _operating_points(report)
    return report


class Outcome:
    """A searched photo: how its centre face was named, its score for that candidate on the
    lines' scale (`Recognizer.scores`), and how long naming the photo took."""

    def __init__(self, naming: Naming | None, score: float, faces: int, seconds: float):
        self.naming = naming
        self.score = score
        self.faces = faces
        self.microseconds_per_face = seconds * 1e6 / faces if faces else 0.0


def search(recognizer: Recognizer, item: SeenPhoto) -> Outcome:
    """Name every face of the photo as the product does; keep the centre face's answer."""
    centre = item.centre_face
    if centre is None:
        return Outcome(None, 0.0, 0, 0.0)
    started = time.perf_counter()
    namings = recognizer.name(item.faces[:, 0])
    seconds = time.perf_counter() - started
    naming = namings[centre]
    scores = recognizer.scores(item.faces[centre : centre + 1, 0])[0]
    score = float(scores[recognizer.labels.index(naming.candidate)])
    return Outcome(naming, score, len(namings), seconds)


def mated_summary(outcomes: list[Outcome], truth: list[str]) -> dict[str, int]:
    """Mated searches by answer: named right or wrongly, flagged (with the right candidate or
    another), unknown, no face."""
    counts = dict.fromkeys(
        (
            "photos",
            "named_right",
            "flagged_right",
            "flagged_wrong_candidate",
            "unknown",
            "named_wrongly",
            "no_face",
        ),
        0,
    )
    for outcome, person in zip(outcomes, truth, strict=True):
        counts["photos"] += 1
        naming = outcome.naming
        if naming is None:
            counts["no_face"] += 1
        elif naming.label == person:
            counts["named_right"] += 1
        elif naming.label != UNKNOWN:
            counts["named_wrongly"] += 1
        elif naming.needs_review:
            counts[
                "flagged_right" if naming.candidate == person else "flagged_wrong_candidate"
            ] += 1
        else:
            counts["unknown"] += 1
    return counts


def non_mated_summary(outcomes: list[Outcome]) -> dict[str, int]:
    namings = [outcome.naming for outcome in outcomes]
    return {
        "photos": len(outcomes),
        "named": sum(n is not None and n.label != UNKNOWN for n in namings),
        "flagged": sum(n is not None and n.needs_review for n in namings),
        "no_face": sum(n is None for n in namings),
    }


def _mated_margins(outcomes, truth, margin) -> np.ndarray:
    return np.array(
        [
            margin(o) if o.naming and o.naming.candidate == person else NEVER
            for o, person in zip(outcomes, truth, strict=True)
        ]
    )


def _non_mated_margins(outcomes, margin) -> np.ndarray:
    return np.array([margin(o) if o.naming else NEVER for o in outcomes])


def fnir_at_fpir(mated: np.ndarray, non_mated: np.ndarray) -> dict[str, float | None]:
    """For each FPIR in FPIR_POINTS, the FNIR at the lowest threshold that names at most that
    share of the non-mated searches (None when they are too few to show such a rate)."""
    ranked = np.sort(non_mated[non_mated > NEVER])[::-1]
    results: dict[str, float | None] = {}
    for rate in FPIR_POINTS:
        allowed = int(rate * len(non_mated))
        if allowed < 1:
            results[f"{rate:g}"] = None
            continue
        line = np.nextafter(ranked[allowed], np.inf) if allowed < len(ranked) else NEVER
        missed = (mated < line) | (mated <= NEVER)
        results[f"{rate:g}"] = round(float(missed.mean()), 4)
    return results


def _operating_points(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The model's own sure and unknown lines as (FPIR, FNIR) points."""
    probes, strangers = report["probes"], report["strangers"]
    named_or_flagged = probes["named_right"] + probes["flagged_right"]
    return {
        "sure": {
            "false_accept": round(strangers["named"] / strangers["photos"], 4),
            "false_reject": round(1 - probes["named_right"] / probes["photos"], 4),
        },
        "unknown": {
            "false_accept": round(
                (strangers["named"] + strangers["flagged"]) / strangers["photos"], 4
            ),
            "false_reject": round(1 - named_or_flagged / probes["photos"], 4),
        },
    }


def evaluate_league(
    league: League,
    sizes: Sequence[int | None],
    *,
    seed: int = 0,
    cohort: np.ndarray | None = None,
    targets: Targets = DEFAULT_TARGETS,
) -> list[dict[str, Any]]:
    """`evaluate_roster` for a roster of each size (None: everyone)."""
    reports = []
    for size in sizes:
        people = roster(league.people, size, seed)
        log.info("Enrolling %d people ...", len(people))
        reports.append(evaluate_roster(league, people, cohort=cohort, targets=targets))
    return reports


def print_reports(reports: list[dict[str, Any]]) -> None:
    """One column per roster size."""
    rows: list[tuple[str, Any]] = [
        ("people enrolled", lambda r: r["people"]),
        ("cohort faces", lambda r: r["cohort_faces"]),
        ("probes", lambda r: r["probes"]["photos"]),
        ("  named right", lambda r: _share(r["probes"]["named_right"], r["probes"]["photos"])),
        (
            "  flagged, right candidate",
            lambda r: _share(r["probes"]["flagged_right"], r["probes"]["photos"]),
        ),
        (
            "  named or flagged right",
            lambda r: _share(
                r["probes"]["named_right"] + r["probes"]["flagged_right"], r["probes"]["photos"]
            ),
        ),
        ("  flagged, wrong candidate", lambda r: r["probes"]["flagged_wrong_candidate"]),
        ("  unknown", lambda r: r["probes"]["unknown"]),
        ("  no face", lambda r: r["probes"]["no_face"]),
        ("  named wrongly", lambda r: r["probes"]["named_wrongly"]),
        ("strangers", lambda r: r["strangers"]["photos"]),
        ("  named", lambda r: r["strangers"]["named"]),
        ("  flagged", lambda r: _share(r["strangers"]["flagged"], r["strangers"]["photos"])),
        ("  no face", lambda r: r["strangers"]["no_face"]),
        *[
            (f"FNIR at FPIR {rate:g}", lambda r, k=f"{rate:g}": _rate(r["fnir_at_fpir"][k]))
            for rate in FPIR_POINTS
        ],
        *[
            (
                f"  one cosine line, FPIR {rate:g}",
                lambda r, k=f"{rate:g}": _rate(r["fnir_at_fpir_one_cosine_line"][k]),
            )
            for rate in FPIR_POINTS
        ],
        ("training (fit) s", lambda r: r["train_s"]),
        ("naming µs per face, median", lambda r: r["naming_us_per_face_median"]),
    ]
    for title, value in rows:
        print(f"{title:<34}" + "".join(f"{value(report)!s:>16}" for report in reports))


def _share(count: int, total: int) -> str:
    return f"{count} ({count / total:.1%})" if total else "0"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
