"""Draw what the recognizer saw: a box and a name on every face."""

from __future__ import annotations

from collections.abc import Collection

from PIL import Image, ImageDraw, ImageFont

from ml.results import UNKNOWN, FaceResult, ImageResult

KNOWN_COLOUR = (46, 204, 113)
REVIEW_COLOUR = (230, 126, 34)
UNKNOWN_COLOUR = (231, 76, 60)


def caption(
    face: FaceResult, display_names: dict[str, str], reviewed: bool = False
) -> tuple[str, tuple[int, int, int]]:
    """ "Name 0.87" for a sure face, "Name? 0.62" for one to review, "unknown" otherwise:
    an unknown face shows no athlete at all. A reviewer's answer reads "Name, reviewed"."""
    if reviewed:
        name = display_names.get(face.label, face.label)
        return f"{name}, reviewed", UNKNOWN_COLOUR if face.label == UNKNOWN else KNOWN_COLOUR
    if face.label != UNKNOWN:
        return f"{display_names.get(face.label, face.label)} {face.score:.2f}", KNOWN_COLOUR
    if face.needs_review:
        name = display_names.get(face.candidate, face.candidate)
        return f"{name}? {face.score:.2f}", REVIEW_COLOUR
    return UNKNOWN, UNKNOWN_COLOUR


def annotate(
    image: Image.Image,
    result: ImageResult,
    display_names: dict[str, str],
    reviewed: Collection[int] = (),
) -> Image.Image:
    """A copy of `image` with each face boxed and captioned; `reviewed` holds the positions
    of faces whose label a reviewer gave."""
    annotated = image.convert("RGB")
    draw = ImageDraw.Draw(annotated)
    line = max(2, round(max(image.size) / 300))
    font = ImageFont.load_default(size=max(14, round(max(image.size) / 40)))
    for position, face in enumerate(result.faces):
        x, y, w, h = face.box
        text, colour = caption(face, display_names, position in reviewed)
        draw.rectangle((x, y, x + w, y + h), outline=colour, width=line)
        left, top, right, bottom = draw.textbbox((x, y), text, font=font)
        label_top = max(0, y - (bottom - top) - 2 * line)
        draw.rectangle((x, label_top, x + right - left + 2 * line, y), fill=colour)
        draw.text((x + line, label_top), text, fill="white", font=font)
    return annotated
