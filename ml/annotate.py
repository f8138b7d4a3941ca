"""Draw what the recognizer saw: a numbered box and a caption on every face.

The drawing speaks as the site's pages do: faces numbered left to right, the same colours
(``static/css/site.css``: ``--face-named``, ``--face-review``, ``--muted``), told apart by
line as well as colour (named solid, to review dashed, unknown thin), and scores as
percentages (``ml.results.percent``).
"""

from __future__ import annotations

from collections.abc import Collection

from PIL import Image, ImageDraw, ImageFont

from ml.results import UNKNOWN, FaceResult, ImageResult, percent

NAMED_COLOUR = (0x1D, 0x4E, 0xD8)
REVIEW_COLOUR = (0xB4, 0x53, 0x09)
UNKNOWN_COLOUR = (0x5B, 0x66, 0x77)


def caption(
    face: FaceResult, display_names: dict[str, str], reviewed: bool = False
) -> tuple[str, tuple[int, int, int]]:
    """ "Name 87.4%" for a sure face, "Possibly Name, 62.0%" for one to review, "Unknown
    person" otherwise: an unknown face shows no athlete at all. A reviewer's answer reads
    "Name, reviewed", without the model's score."""
    if reviewed and face.label == UNKNOWN:
        return "Unknown person, reviewed", UNKNOWN_COLOUR
    if reviewed:
        return f"{display_names.get(face.label, face.label)}, reviewed", NAMED_COLOUR
    if face.label != UNKNOWN:
        name = display_names.get(face.label, face.label)
        return f"{name} {percent(face.score)}", NAMED_COLOUR
    if face.needs_review:
        name = display_names.get(face.candidate, face.candidate)
        return f"Possibly {name}, {percent(face.score)}", REVIEW_COLOUR
    return "Unknown person", UNKNOWN_COLOUR


def left_to_right(faces: list[FaceResult]) -> list[int]:
    """Each face's number, as pages number them: from 1, by the box's left edge."""
    order = sorted(range(len(faces)), key=lambda i: (faces[i].box[0], i))
    numbers = [0] * len(faces)
    for number, index in enumerate(order, start=1):
        numbers[index] = number
    return numbers


def _outline(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], colour, line: int,
             dashed: bool) -> None:  # fmt: skip
    x0, y0, x1, y1 = box
    if not dashed:
        draw.rectangle(box, outline=colour, width=line)
        return
    dash = 4 * line
    for start in range(x0, x1, 2 * dash):
        end = min(start + dash, x1)
        draw.line((start, y0, end, y0), fill=colour, width=line)
        draw.line((start, y1, end, y1), fill=colour, width=line)
    for start in range(y0, y1, 2 * dash):
        end = min(start + dash, y1)
        draw.line((x0, start, x0, end), fill=colour, width=line)
        draw.line((x1, start, x1, end), fill=colour, width=line)


def annotate(
    image: Image.Image,
    result: ImageResult,
    display_names: dict[str, str],
    reviewed: Collection[int] = (),
) -> Image.Image:
    """A copy of `image` with each face boxed, numbered and captioned; `reviewed` holds the
    positions of faces whose label a reviewer gave."""
    annotated = image.convert("RGB")
    draw = ImageDraw.Draw(annotated)
    line = max(2, round(max(image.size) / 300))
    font = ImageFont.load_default(size=max(14, round(max(image.size) / 40)))
    numbers = left_to_right(result.faces)
    for position, face in enumerate(result.faces):
        x, y, w, h = face.box
        text, colour = caption(face, display_names, position in reviewed)
        text = f"{numbers[position]} {text}"
        unknown = colour == UNKNOWN_COLOUR
        dashed = colour == REVIEW_COLOUR
        _outline(draw, (x, y, x + w, y + h), colour, max(1, line // 2) if unknown else line, dashed)
        left, top, right, bottom = draw.textbbox((x, y), text, font=font)
        label_top = max(0, y - (bottom - top) - 2 * line)
        draw.rectangle((x, label_top, x + right - left + 2 * line, y), fill=colour)
        draw.text((x + line, label_top), text, fill="white", font=font)
    return annotated
