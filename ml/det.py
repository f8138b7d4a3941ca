"""DET curves and operating points: how often a model's lines let impostors through and
turn athletes away, on any set of scored faces (the dev set, held-out reviewed faces)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml.recognizer import Lines

# [athlete, score, cosine]: a genuine face scored for its own athlete, an impostor face for
# the athlete it is closest to; the cosine is what `Lines.sure_without_cohort` reads (reports
# written before it have [athlete, score], read on the score alone).
Scores = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class ScoredFaces:
    """The faces a report measured the lines on, each a `Scores` entry: athletes' faces
    (genuine) and other people's (impostor)."""

    genuine: list[list[Any]]
    impostor: list[list[Any]]


@dataclass(frozen=True)
class OperatingPoint:
    """How often one set of lines (sure or unknown) lets impostors through and turns
    athletes away, on a report's scored faces."""

    # {label: line}: each athlete's line; empty where a report has no per-athlete lines.
    lines: dict[str, float]
    false_accept: float
    false_reject: float


@dataclass(frozen=True)
class DetCurve:
    """What a DET curve is drawn from: the scored faces, and the operating points of the
    model's own lines on them. Stored inside a report as its `scores` and
    `operating_points` keys (the dev report, the held-out report)."""

    scores: ScoredFaces
    operating_points: dict[str, OperatingPoint]

    @classmethod
    def measure(cls, lines: Mapping[str, Lines], genuine: Scores, impostor: Scores) -> DetCurve:
        """False accepts and false rejects of the sure and unknown lines on these faces, each
        face read against the lines of the athlete it is scored for, as naming reads them."""
        points = {
            name: OperatingPoint(
                lines={label: getattr(each, name) for label, each in lines.items()},
                false_accept=_rate([_passes(lines, name, face) for face in impostor]),
                false_reject=_rate([not _passes(lines, name, face) for face in genuine]),
            )
            for name in ("sure", "unknown")
        }
        return cls(ScoredFaces([list(f) for f in genuine], [list(f) for f in impostor]), points)

    @property
    def drawable(self) -> bool:
        """A curve needs scored faces of both kinds: athletes' and other people's."""
        return bool(self.scores.genuine) and bool(self.scores.impostor)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, report: Mapping[str, Any]) -> DetCurve:
        """The curve in a report's dict, from its `scores` and `operating_points` keys."""
        return cls(
            ScoredFaces(report["scores"]["genuine"], report["scores"]["impostor"]),
            {
                name: OperatingPoint(
                    point.get("lines", {}), point["false_accept"], point["false_reject"]
                )
                for name, point in report["operating_points"].items()
            },
        )


def scored(labels: list[str], athlete: int, scores: np.ndarray, cosines: np.ndarray) -> list:
    """A face's entry in `Scores` for one athlete (an index), from its row of scores and
    cosines (`Recognizer.scores`, `Recognizer.cosines`)."""
    return [labels[athlete], round(float(scores[athlete]), 4), round(float(cosines[athlete]), 4)]


def _passes(lines: Mapping[str, Lines], name: str, face: Sequence[Any]) -> bool:
    label, score, *cosine = face
    if name == "unknown":
        return score >= lines[label].unknown
    return lines[label].names(score, cosine[0] if cosine else math.inf)


def _rate(hits: list[bool]) -> float:
    return round(float(np.mean(hits)), 4) if hits else 0.0


def save_det_plot(
    curve: DetCurve,
    path: Path,
    impostors: str = "others' faces",
    athletes: str = "athletes' photos",
) -> None:
    """A DET curve: false rejects against false accepts on log axes, as one line over every
    score would give; the dots are what the model's per-athlete lines give. `impostors` and
    `athletes` say on the axes what was scored."""
    genuine = np.array([face[1] for face in curve.scores.genuine])
    impostor = np.array([face[1] for face in curve.scores.impostor])
    floor = 1e-3
    size, margin = 520, 70
    image = Image.new("RGB", (size + margin + 20, size + margin + 40), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=13)

    def at(false_accept: float, false_reject: float) -> tuple[float, float]:
        fx = (math.log10(max(false_accept, floor)) - math.log10(floor)) / -math.log10(floor)
        fy = (math.log10(max(false_reject, floor)) - math.log10(floor)) / -math.log10(floor)
        return margin + fx * size, 20 + (1 - fy) * size

    for decade in (1e-3, 1e-2, 1e-1, 1.0):
        x, _ = at(decade, floor)
        _, y = at(floor, decade)
        draw.line((x, 20, x, 20 + size), fill=(225, 225, 225))
        draw.line((margin, y, margin + size, y), fill=(225, 225, 225))
        draw.text((x - 14, 26 + size), f"{decade:g}", fill="black", font=font)
        draw.text((8, y - 7), f"{decade:g}", fill="black", font=font)
    draw.rectangle((margin, 20, margin + size, 20 + size), outline="black")
    draw.text(
        (margin + size / 2 - 150, size + 46),
        f"false accepts ({impostors}); a rate of 0 is drawn at 0.001",
        fill="black",
    )
    draw.text((4, 4), f"false rejects ({athletes})", fill="black")
    if len(genuine) and len(impostor):
        thresholds = np.unique(np.concatenate([genuine, impostor, [-1.0, 1.01]]))
        line = [at((impostor >= t).mean(), (genuine < t).mean()) for t in thresholds]
        draw.line(line, fill=(52, 101, 164), width=2)
    colours = {"sure": (46, 160, 67), "unknown": (204, 102, 0)}
    for name, point in curve.operating_points.items():
        x, y = at(point.false_accept, point.false_reject)
        draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=colours[name])
        draw.text((x + 9, y - 7), f"{name} lines", fill=colours[name], font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
