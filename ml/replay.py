"""A desk replayed on the league dev set: does review make the model better?

Each person is enrolled from a few of their ``enrol/`` photos. The rest of ``enrol/`` and half
of ``strangers/`` arrive as uploads, in rounds. The model names every face of each upload as
the product does; a reviewer who knows the truth answers each upload's face (the one nearest
the centre, the person it is filed under) that was flagged or left unknown: confirms the
candidate, corrects it to the right person, or says "not an athlete". Faces named surely are
not reviewed, as at a desk. After each round the model is trained again, as the site trains,
from the enrolled photos and every reviewed face so far (one photo in four held out,
``ml.reviewed``). Each model is measured on ``probe/`` and the other half of the strangers,
which are never uploaded and never reviewed.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml.calibration import DEFAULT_TARGETS, Targets
from ml.embedding_cache import SeenPhoto, training_photos
from ml.league import League
from ml.league_evaluation import Outcome, mated_summary, non_mated_summary, search
from ml.recognizer import Recognizer
from ml.results import UNKNOWN
from ml.reviewed import ReviewedFace
from ml.training import fit_with_reviews

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    photo: SeenPhoto
    truth: str  # the person, or UNKNOWN for a stranger


def replay(
    league: League,
    *,
    first: int = 3,
    rounds: int = 3,
    cohort: np.ndarray | None = None,
    seed: int = 0,
    targets: Targets = DEFAULT_TARGETS,
) -> list[dict[str, Any]]:
    """One report per model: the one enrolled from `first` photos each, then one per round."""
    chooser = random.Random(seed)
    enrolled: list[SeenPhoto] = []
    uploads: list[Upload] = []
    for person in league.people:
        photos = [item for item in league.enrol if item.photo.label == person]
        chooser.shuffle(photos)
        enrolled += photos[:first]
        uploads += [Upload(item, person) for item in photos[first:]]
    strangers = list(league.strangers)
    chooser.shuffle(strangers)
    streamed, measured = strangers[: len(strangers) // 2], strangers[len(strangers) // 2 :]
    uploads += [Upload(item, UNKNOWN) for item in streamed]
    chooser.shuffle(uploads)
    examples = training_photos(enrolled)
    counts = {person: first for person in league.people}
    reviewed: list[ReviewedFace] = []
    reports = []
    recognizer, seconds = _train(examples, reviewed, counts, cohort, targets)
    reports.append(_measure(recognizer, league, measured, 0, seconds, {}))
    for number in range(1, rounds + 1):
        batch = uploads[(number - 1) * len(uploads) // rounds : number * len(uploads) // rounds]
        desk = {"uploads": len(batch), "reviewed": 0, "confirmed": 0, "corrected": 0,
                "not_an_athlete": 0, "named_surely": 0, "named_wrongly": 0}  # fmt: skip
        for upload in batch:
            outcome = search(recognizer, upload.photo)
            face = _review(upload, outcome, f"upload-{len(reviewed)}-{number}", desk)
            if face is not None:
                reviewed.append(face)
        log.info("Round %d: %s", number, desk)
        recognizer, seconds = _train(examples, reviewed, counts, cohort, targets)
        reports.append(_measure(recognizer, league, measured, number, seconds, desk))
    return reports


def _review(upload: Upload, outcome: Outcome, name: str, desk: dict[str, int]):
    """The reviewer's answer for an upload's face, or None when no reviewer sees it."""
    naming = outcome.naming
    if naming is None:
        return None
    if naming.label != UNKNOWN:
        desk["named_surely"] += 1
        if naming.label != upload.truth:
            desk["named_wrongly"] += 1
            log.info("  named wrongly: %s as %s", upload.photo.photo.path.name, naming.label)
        return None
    desk["reviewed"] += 1
    if upload.truth == UNKNOWN:
        desk["not_an_athlete"] += 1
    else:
        desk["confirmed" if naming.candidate == upload.truth else "corrected"] += 1
    centre = upload.photo.centre_face
    return ReviewedFace(name, upload.photo.faces[centre, 0], upload.truth)


def _train(examples, reviewed, counts, cohort, targets) -> tuple[Recognizer, float]:
    started = time.perf_counter()
    labels = sorted(counts)
    recognizer, _, _ = fit_with_reviews(examples, labels, targets, None, reviewed, counts, cohort)
    return recognizer, time.perf_counter() - started


def _measure(recognizer, league, strangers, number, seconds, desk) -> dict[str, Any]:
    truth = [item.photo.label for item in league.probe]
    return {
        "round": number,
        "train_s": round(seconds, 2),
        "desk": desk,
        "probes": mated_summary([search(recognizer, item) for item in league.probe], truth),
        "strangers": non_mated_summary([search(recognizer, item) for item in strangers]),
    }


def print_rounds(reports: list[dict[str, Any]]) -> None:
    rows = [
        ("round", lambda r: r["round"]),
        ("uploads answered", lambda r: r["desk"].get("uploads", "-")),
        ("  named surely (not reviewed)", lambda r: r["desk"].get("named_surely", "-")),
        ("  of them named wrongly", lambda r: r["desk"].get("named_wrongly", "-")),
        ("  reviewed: confirmed", lambda r: r["desk"].get("confirmed", "-")),
        ("  reviewed: corrected", lambda r: r["desk"].get("corrected", "-")),
        ("  reviewed: not an athlete", lambda r: r["desk"].get("not_an_athlete", "-")),
        ("training s", lambda r: r["train_s"]),
        ("probes", lambda r: r["probes"]["photos"]),
        ("  named surely", lambda r: _share(r["probes"]["named_right"], r["probes"]["photos"])),
        ("  flagged, right candidate",
         lambda r: _share(r["probes"]["flagged_right"], r["probes"]["photos"])),
        ("  flagged, wrong candidate", lambda r: r["probes"]["flagged_wrong_candidate"]),
        ("  unknown", lambda r: _share(r["probes"]["unknown"], r["probes"]["photos"])),
        ("  named wrongly", lambda r: r["probes"]["named_wrongly"]),
        ("strangers (never uploaded)", lambda r: r["strangers"]["photos"]),
        ("  named", lambda r: r["strangers"]["named"]),
        ("  flagged", lambda r: _share(r["strangers"]["flagged"], r["strangers"]["photos"])),
    ]  # fmt: skip
    for title, value in rows:
        print(f"{title:<32}" + "".join(f"{value(report)!s:>16}" for report in reports))


def _share(count: int, total: int) -> str:
    return f"{count} ({count / total:.1%})" if total else "0"


SERIES = {
    "probes named surely": ("probes", "named_right", (46, 160, 67)),
    "probes flagged, right candidate": ("probes", "flagged_right", (204, 102, 0)),
    "probes unknown": ("probes", "unknown", (120, 120, 120)),
    "probes named wrongly": ("probes", "named_wrongly", (200, 0, 0)),
    "strangers flagged": ("strangers", "flagged", (52, 101, 164)),
    "strangers named": ("strangers", "named", (150, 0, 150)),
}


def save_rounds_plot(reports: list[dict[str, Any]], path: Path) -> None:
    """Each figure's share per round, as lines on one chart (0 to 100%)."""
    width, height, left, top = 640, 400, 60, 20
    plot_w, plot_h = width - left - 220, height - top - 50
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=12)
    draw.rectangle((left, top, left + plot_w, top + plot_h), outline="black")
    for percent in range(0, 101, 20):
        y = top + plot_h * (1 - percent / 100)
        draw.line((left, y, left + plot_w, y), fill=(225, 225, 225))
        draw.text((8, y - 7), f"{percent}%", fill="black", font=font)
    steps = max(len(reports) - 1, 1)
    for report in reports:
        x = left + plot_w * report["round"] / steps
        draw.text((x - 4, top + plot_h + 6), str(report["round"]), fill="black", font=font)
    draw.text((left + plot_w / 2 - 80, top + plot_h + 24), "round (0: enrolled only)", fill="black")
    for row, (name, (group, key, colour)) in enumerate(SERIES.items()):
        points = [
            (
                left + plot_w * r["round"] / steps,
                top + plot_h * (1 - r[group][key] / r[group]["photos"]),
            )
            for r in reports
        ]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        for x, y in points:
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=colour)
        draw.text((left + plot_w + 12, top + 10 + 18 * row), name, fill=colour, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
