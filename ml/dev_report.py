"""The dev report: how a trained model does on a dev folder (``ml.dev_evaluation.evaluate_dev``
builds it), and its description for a page. Light to import, so the web process stores and
shows a version's figures without loading the recognizer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ml.det import DetCurve
from ml.errors import ModelError


@dataclass(frozen=True)
class OthersSummary:
    """The photos of `others/`: people the model must not name."""

    photos: int
    faces: int
    faces_named: int
    photos_named: list[str]
    photos_flagged: list[str]


@dataclass(frozen=True)
class AthleteSummary:
    """One athlete's folder: how many photos were named surely and correctly, or not."""

    photos: int
    named_correctly: int
    flagged: int
    unknown: int
    named_wrongly: list[str]
    no_face: list[str]


@dataclass(frozen=True)
class PhotoEntry:
    """A dev photo and what the model said of it; the report keeps those of `groups/`."""

    path: str
    label: str
    needs_review: bool
    faces: int
    named: list[list[Any]]  # [athlete, score] of each face named surely
    flagged: list[list[Any]]  # [candidate, score] of each face flagged for review
    note: str = ""  # from SOURCES.tsv
    # With a comparison detector: the faces it found wide enough, and the boxes of those we
    # missed.
    compared: int | None = None
    missed: list[list[int]] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.compared is None:
            del data["compared"], data["missed"]
        return data


@dataclass(frozen=True)
class DevReport:
    """The dev report, stored as `to_dict()` (the `dev_evaluation.json` file, the model
    version's `dev_report`) and read back with `from_dict()`."""

    others: OthersSummary
    athletes: dict[str, AthleteSummary]
    groups: list[PhotoEntry]
    det: DetCurve
    # The detector the group photos' faces were compared with, if any.
    compared_with: str | None = None
    # The model's folder, when `python -m ml evaluate` wrote the report.
    model: str | None = None

    @property
    def groups_missed_faces(self) -> int:
        return sum(len(group.missed or []) for group in self.groups)

    @property
    def groups_compared_faces(self) -> int:
        return sum(group.compared or 0 for group in self.groups)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "others": asdict(self.others),
            "athletes": {label: asdict(each) for label, each in self.athletes.items()},
            "groups": [group.to_dict() for group in self.groups],
            **self.det.to_dict(),
        }
        if self.compared_with is not None:
            data["groups_missed_faces"] = self.groups_missed_faces
            data["groups_compared_faces"] = self.groups_compared_faces
            data["compared_with"] = self.compared_with
        if self.model is not None:
            data["model"] = self.model
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: object = "The dev report") -> DevReport:
        """The report in `data`, refused with a sentence unless it has every part."""
        try:
            return cls(
                others=OthersSummary(**data["others"]),
                athletes={
                    label: AthleteSummary(**each) for label, each in data["athletes"].items()
                },
                groups=[PhotoEntry(**group) for group in data["groups"]],
                det=DetCurve.from_dict(data),
                compared_with=data.get("compared_with"),
                model=data.get("model"),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ModelError(
                f"{source} is not a dev report of `python -m ml evaluate --dev` ({error}): "
                "evaluate the model again."
            ) from error

    def describe(self) -> list[tuple[str, str]]:
        """The report's figures as (what, how many) rows for a page."""
        others = self.others
        rows = [
            (
                "Strangers (others/)",
                f"{others.faces_named} of {others.faces} faces named as an athlete; "
                f"{len(others.photos_flagged)} of {others.photos} photos flagged for review",
            )
        ]
        for label, athlete in self.athletes.items():
            rows.append((
                label,
                f"{athlete.named_correctly}/{athlete.photos} named surely and correctly, "
                f"{athlete.flagged} flagged, {athlete.unknown} unknown, "
                f"{len(athlete.named_wrongly)} named wrongly",
            ))  # fmt: skip
        for group in self.groups:
            named = ", ".join(label for label, _ in group.named) or "nobody"
            rows.append((group.path, f"{group.faces} faces, named {named}"))
        for name, point in self.det.operating_points.items():
            rows.append((
                f"{name.capitalize()} line",
                f"false accepts {point.false_accept:.1%}, "
                f"false rejects {point.false_reject:.1%}",
            ))  # fmt: skip
        return rows
