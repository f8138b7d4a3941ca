"""The dev report (``ml.dev_evaluation.evaluate_dev``) described for a page: light to import,
so the web process shows a version's figures without loading the recognizer."""

from __future__ import annotations

from typing import Any


def describe(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report's figures as (what, how many) rows for a page; missing parts are left out."""
    rows = []
    if others := report.get("others"):
        rows.append((
            "Strangers (others/)",
            f"{others['faces_named']} of {others['faces']} faces named as an athlete; "
            f"{len(others['photos_flagged'])} of {others['photos']} photos flagged for review",
        ))  # fmt: skip
    for label, athlete in report.get("athletes", {}).items():
        rows.append((
            label,
            f"{athlete['named_correctly']}/{athlete['photos']} named surely and correctly, "
            f"{athlete['flagged']} flagged, {athlete['unknown']} unknown, "
            f"{len(athlete['named_wrongly'])} named wrongly",
        ))  # fmt: skip
    for group in report.get("groups", []):
        named = ", ".join(label for label, _ in group["named"]) or "nobody"
        rows.append((group["path"], f"{group['faces']} faces, named {named}"))
    for name, point in report.get("operating_points", {}).items():
        rows.append((
            f"{name.capitalize()} line",
            f"false accepts {point['false_accept']:.1%}, "
            f"false rejects {point['false_reject']:.1%}",
        ))  # fmt: skip
    return rows
