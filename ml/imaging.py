"""Decode untrusted image bytes into an RGB picture, or refuse them with a clear reason."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ml.errors import ImageRejected

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF")
MAX_PIXELS = 40_000_000
# Longer sides or narrower strips cost seconds per row to decode and break the detector's
# downscaling (a 40,000,000×1 strip shrinks to 0 px) and JPEG (65,535 px at most): refused
# from the header, before any pixel is decoded.
MAX_SIDE = 12_000
MAX_ASPECT_RATIO = 10
DETECTION_MAX_SIDE = 640


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image
    format: str


def load_image(source: bytes | str | Path, *, max_pixels: int = MAX_PIXELS) -> DecodedImage:
    """Fully decode `source`, apply its EXIF orientation and convert it to RGB.

    The header is checked before any pixel is decoded, so a decompression bomb costs
    nothing; decoding everything up front turns a truncated file into a refusal here
    rather than an error deep inside the model.
    """
    data = Path(source).read_bytes() if isinstance(source, str | Path) else source
    if not data:
        raise ImageRejected("The file is empty.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected(_too_large_message(max_pixels)) from error
        except (UnidentifiedImageError, OSError) as error:
            raise ImageRejected(
                "This file is not an image we can read; send a JPEG, PNG, WebP, BMP or GIF."
            ) from error
    _check_size(*image.size, max_pixels=max_pixels)
    try:
        image.seek(0)
        image.load()
        rgb = _to_rgb(ImageOps.exif_transpose(image))
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageRejected("The image is damaged or truncated and cannot be decoded.") from error
    return DecodedImage(image=rgb, format=image.format or "")


def _check_size(width: int, height: int, *, max_pixels: int = MAX_PIXELS) -> None:
    """Refuse a size the recognizer cannot handle, whatever the file's format."""
    if width * height > max_pixels:
        raise ImageRejected(f"{_too_large_message(max_pixels)} This one is {width}×{height}.")
    if max(width, height) > MAX_SIDE:
        raise ImageRejected(
            f"The image is too large: {width}×{height} px; each side may be at most "
            f"{MAX_SIDE:,} px."
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ImageRejected(
            f"The image is too long and narrow: {width}×{height} px; the longer side may be "
            f"at most {MAX_ASPECT_RATIO} times the shorter."
        )


def _too_large_message(max_pixels: int) -> str:
    return f"The image has too many pixels; the limit is {max_pixels / 1_000_000:g} megapixels."


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB with transparency flattened onto white and 16-bit samples scaled, not clipped."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        wide = np.asarray(image, dtype=np.uint32)
        image = Image.fromarray((wide >> 8).astype(np.uint8), mode="L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def downscale(image: Image.Image, max_side: int = DETECTION_MAX_SIDE) -> tuple[Image.Image, float]:
    """Shrink `image` so its longest side is at most `max_side`.

    Returns the small image and the factor that maps its coordinates back to the
    original (1.0 when the image was already small enough).
    """
    longest = max(image.size)
    if longest <= max_side:
        return image, 1.0
    factor = longest / max_side
    size = (round(image.width / factor), round(image.height / factor))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0), factor
