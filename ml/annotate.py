"""Draw what the recognizer saw: a box and a name on every face."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from ml.results import UNKNOWN, ImageResult

KNOWN_COLOUR = (46, 204, 113)
UNKNOWN_COLOUR = (231, 76, 60)


def annotate(image: Image.Image, result: ImageResult, display_names: dict[str, str]) -> Image.Image:
    """A copy of `image` with each face boxed and captioned "Name 97%"."""
    annotated = image.convert("RGB")
    draw = ImageDraw.Draw(annotated)
    line = max(2, round(max(image.size) / 300))
    font = ImageFont.load_default(size=max(14, round(max(image.size) / 40)))
    for face in result.faces:
        x, y, w, h = face.box
        colour = UNKNOWN_COLOUR if face.label == UNKNOWN else KNOWN_COLOUR
        caption = f"{display_names.get(face.label, face.label)} {face.confidence:.0%}"
        draw.rectangle((x, y, x + w, y + h), outline=colour, width=line)
        left, top, right, bottom = draw.textbbox((x, y), caption, font=font)
        label_top = max(0, y - (bottom - top) - 2 * line)
        draw.rectangle((x, label_top, x + right - left + 2 * line, y), fill=colour)
        draw.text((x + line, label_top), caption, fill="white", font=font)
    return annotated
