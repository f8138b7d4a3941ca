"""A training folder: `<root>/<label>/<photos>`, the folder name being the label."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ml.errors import ModelError

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"}
# An athlete's genuine scores compare each of their faces with their other faces
# (``ml.calibration``): one face cannot be trained. Here, where the web reads it too, with
# no network imported.
MIN_FACES = 2


# (x, y, width, height) in the photo's pixels.
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class LabelledPhoto:
    """A training photo; `box`, when given, is where the athlete's face is (a person chose
    it), so training takes that face instead of guessing which one is the athlete."""

    path: Path
    label: str
    box: Box | None = None


def scan(root: Path, boxes: Mapping[Path, Box] | None = None) -> list[LabelledPhoto]:
    """Every photo under `root`, sorted so that runs are reproducible; `boxes` gives the
    athlete's face in some of them (keyed by the photo's path).

    Needs at least two labels: each athlete's faces are the others' impostors, the ones
    that calibrate when a face is sure, so a single-athlete folder is refused.
    """
    if not root.is_dir():
        raise ModelError(f"Dataset folder not found: {root}")
    photos = [
        LabelledPhoto(path, folder.name, (boxes or {}).get(path))
        for folder in sorted(p for p in root.iterdir() if p.is_dir())
        for path in sorted(folder.iterdir())
        if path.suffix.lower() in PHOTO_SUFFIXES
    ]
    labels = sorted({photo.label for photo in photos})
    if len(labels) < 2:
        raise ModelError(
            f"{root} has photos for {len(labels)} athlete(s); training needs at least two "
            "folders of photos, one per athlete."
        )
    return photos


def display_name(label: str) -> str:
    """`rafael_nadal` → `Rafael Nadal`; the admin can rename an athlete later."""
    return label.replace("_", " ").replace("-", " ").title()


def label_for(name: str) -> str:
    """The label made from a name, as Django's slugify makes it: Roger Federer → roger_federer,
    Zoë O'Neal → zoe_oneal; "" for a name without letters or digits."""
    ascii_only = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^\w\s-]", "", ascii_only.lower())
    return re.sub(r"[-\s]+", "-", cleaned).strip("-_").replace("-", "_")
