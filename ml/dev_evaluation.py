"""How a trained model does on photos it never saw, in a desk's terms.

The dev folder is laid out like `../shared/datasets/lookalikes/`: one folder per athlete the
model knows (their photos), `others/` (people the model must not name, in sub-folders or
not), and `groups/` (photos of several people, some showing an athlete). An optional
`SOURCES.tsv` (columns `file` ... `note`) gives each group photo a note for the reader.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import replace
from pathlib import Path

from PIL import Image

from ml.dataset import PHOTO_SUFFIXES
from ml.det import DetCurve, scored
from ml.dev_report import AthleteSummary, DevReport, OthersSummary, PhotoEntry
from ml.errors import ImageRejected, ModelError
from ml.faces import FaceDetector
from ml.imaging import load_image
from ml.predictor import Predictor
from ml.results import UNKNOWN, ImageResult

log = logging.getLogger(__name__)

OTHERS = "others"
GROUPS = "groups"
# Faces at least this wide (photo pixels) that the comparison detector finds must be found.
SMALLEST_GROUP_FACE = 32


def evaluate_dev(
    predictor: Predictor, dev_dir: Path, compare_detector: str | None = None
) -> DevReport:
    """Every photo of `dev_dir` through the predictor, summed up per folder."""
    if not dev_dir.is_dir():
        raise ModelError(f"Dev folder not found: {dev_dir}")
    recognizer = predictor.recognizer
    athletes: dict[str, list[PhotoEntry]] = {
        label: [] for label in predictor.manifest.labels if (dev_dir / label).is_dir()
    }
    others: list[PhotoEntry] = []
    groups: list[PhotoEntry] = []
    genuine, impostor = [], []
    notes = _notes(dev_dir)
    comparison = FaceDetector(compare_detector) if compare_detector else None
    for folder, path in _photos(dev_dir):
        try:
            image = load_image(path).image
        except ImageRejected as error:
            log.info("  skipped %s: %s", path, error)
            continue
        result, embeddings = predictor.analyse(image)
        scores, cosines = recognizer.scores(embeddings), recognizer.cosines(embeddings)
        labels = recognizer.labels
        relative = str(path.relative_to(dev_dir))
        if folder in athletes:
            column = labels.index(folder)
            if len(scores):
                best = int(scores[:, column].argmax())
                genuine.append(scored(labels, column, scores[best], cosines[best]))
            athletes[folder].append(_photo_entry(relative, result))
        elif folder == OTHERS:
            impostor += [
                scored(labels, int(row.argmax()), row, cosine)
                for row, cosine in zip(scores, cosines, strict=True)
            ]
            others.append(_photo_entry(relative, result))
        elif folder == GROUPS:
            compared, missed = (
                _missed(comparison, image, [f.box for f in result.faces])
                if comparison is not None
                else (None, None)
            )
            entry = _photo_entry(relative, result)
            note = notes.get(relative, "")
            groups.append(replace(entry, note=note, compared=compared, missed=missed))
    return DevReport(
        others=_others_summary(others),
        athletes={label: _athlete_summary(label, rows) for label, rows in athletes.items()},
        groups=groups,
        det=DetCurve.measure(recognizer.lines, genuine, impostor),
        compared_with=compare_detector if comparison is not None else None,
    )


def _photos(dev_dir: Path):
    for folder in sorted(p for p in dev_dir.iterdir() if p.is_dir()):
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in PHOTO_SUFFIXES:
                yield folder.name, path


def _notes(dev_dir: Path) -> dict[str, str]:
    sources = dev_dir / "SOURCES.tsv"
    if not sources.is_file():
        return {}
    with sources.open(newline="") as file:
        return {row["file"]: row.get("note") or "" for row in csv.DictReader(file, delimiter="\t")}


def _photo_entry(path: str, result: ImageResult) -> PhotoEntry:
    return PhotoEntry(
        path=path,
        label=result.label,
        needs_review=result.needs_review,
        faces=len(result.faces),
        named=[[f.label, f.score] for f in result.faces if f.label != UNKNOWN],
        flagged=[[f.candidate, f.score] for f in result.faces if f.needs_review],
    )


def _others_summary(rows: list[PhotoEntry]) -> OthersSummary:
    return OthersSummary(
        photos=len(rows),
        faces=sum(row.faces for row in rows),
        faces_named=sum(len(row.named) for row in rows),
        photos_named=[row.path for row in rows if row.named],
        photos_flagged=[row.path for row in rows if row.flagged],
    )


def _athlete_summary(label: str, rows: list[PhotoEntry]) -> AthleteSummary:
    return AthleteSummary(
        photos=len(rows),
        named_correctly=sum(row.label == label for row in rows),
        flagged=sum(row.label == UNKNOWN and row.needs_review for row in rows),
        unknown=sum(row.label == UNKNOWN and not row.needs_review for row in rows),
        named_wrongly=[row.path for row in rows if row.label not in (label, UNKNOWN)],
        no_face=[row.path for row in rows if row.faces == 0],
    )


def _missed(detector: FaceDetector, image: Image.Image, boxes) -> tuple[int, list[list[int]]]:
    """How many faces at least SMALLEST_GROUP_FACE px wide `detector` finds, and those of
    them that `boxes` miss."""
    theirs = [face.box for face in detector.detect(image, limit=10_000).faces]
    wide = [box for box in theirs if box[2] >= SMALLEST_GROUP_FACE]
    return len(wide), [
        list(box) for box in wide if not any(_centre_inside(box, ours) for ours in boxes)
    ]


def _centre_inside(box, other) -> bool:
    x, y, w, h = box
    ox, oy, ow, oh = other
    return ox <= x + w / 2 <= ox + ow and oy <= y + h / 2 <= oy + oh


def print_report(report: DevReport) -> None:
    others = report.others
    print(
        f"others/: {others.faces_named} of {others.faces} faces named as an athlete "
        f"(in {len(others.photos_named)} of {others.photos} photos); "
        f"{len(others.photos_flagged)} photos flagged for review"
    )
    for path in others.photos_named:
        print(f"  named: {path}")
    for label, summary in report.athletes.items():
        print(
            f"{label}/: {summary.named_correctly}/{summary.photos} named surely and "
            f"correctly, {summary.flagged} flagged, {summary.unknown} unknown, "
            f"{len(summary.named_wrongly)} named wrongly, {len(summary.no_face)} no face"
        )
    print("groups/:")
    for group in report.groups:
        named = ", ".join(f"{label} {score:.2f}" for label, score in group.named) or "nobody"
        flagged = ", ".join(f"{label}? {score:.2f}" for label, score in group.flagged)
        missed = f"; {len(group.missed)} faces missed" if group.missed is not None else ""
        print(
            f"  {group.path}: {group.faces} faces, named {named}"
            f"{'; flagged ' + flagged if flagged else ''}{missed}"
            f"{'  [' + group.note + ']' if group.note else ''}"
        )
    if report.compared_with is not None:
        print(
            f"group faces >= {SMALLEST_GROUP_FACE} px wide found by {report.compared_with}: "
            f"{report.groups_compared_faces}, of which missed: {report.groups_missed_faces}"
        )
    for name, point in report.det.operating_points.items():
        lines = ", ".join(f"{label} {line:.3f}" for label, line in point.lines.items())
        print(
            f"{name} lines ({lines}): false accepts {point.false_accept:.1%} of others' "
            f"faces, false rejects {point.false_reject:.1%} of athletes' photos"
        )
