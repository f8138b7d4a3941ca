"""Hostile, broken and awkward uploads, made in code: what the site must refuse with a reason,
and what it must accept and store correctly.

``REFUSED`` maps a name to a sample and the words the refusal must contain; ``ACCEPTED`` maps a
name to a sample and what the stored copy must look like.
"""

import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

RED, BLUE, WHITE = (220, 20, 20), (20, 20, 220), (255, 255, 255)


@dataclass(frozen=True)
class Sample:
    filename: str
    data: bytes
    content_type: str = "image/jpeg"


@dataclass(frozen=True)
class Refused:
    sample: Sample
    reason: str


@dataclass(frozen=True)
class Accepted:
    sample: Sample
    suffix: str  # of the stored copy: ".jpg" or ".png"
    size: tuple[int, int]  # of the stored copy, upright
    corners: tuple[tuple, tuple]  # its top-left and bottom-right colours, give or take JPEG's


def encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def jpeg(size=(64, 48), colour=RED, **options) -> bytes:
    return encode(Image.new("RGB", size, colour), "JPEG", **options)


def truncated_jpeg() -> bytes:
    data = encode(Image.effect_noise((200, 200), 60).convert("RGB"), "JPEG")
    return data[: len(data) // 2]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid PNG header claiming ``width``×``height`` RGB pixels, with (part of) one row of
    data: a few hundred bytes whatever the size claimed."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\x00" + b"\x00" * min(width, 10_000) * 3)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", row)
        + png_chunk(b"IEND", b"")
    )


def flat_png(size: tuple[int, int], colour=BLUE) -> bytes:
    return encode(Image.new("RGB", size, colour), "PNG")


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (60, 40), (0, 230, 230, 30)), "JPEG")


def png_16_bit() -> bytes:
    return encode(Image.new("I;16", (50, 30), 40_000), "PNG")


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (40, 30), colour) for colour in (RED, BLUE, WHITE)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def exif_rotated_jpeg() -> bytes:
    """80×40 as stored, red on the left; EXIF orientation 6 says: turn it 90° clockwise."""
    image = Image.new("RGB", (80, 40), BLUE)
    image.paste(RED, (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(image, "JPEG", exif=exif, quality=95)


def png_with_alpha() -> bytes:
    image = Image.new("RGBA", (30, 20), (*BLUE, 255))
    image.paste((0, 0, 0, 0), (0, 0, 10, 10))  # a transparent corner
    return encode(image, "PNG")


def jpeg_with_gps() -> bytes:
    """A JPEG carrying where and with what it was taken: EXIF with a GPS IFD, XMP, a comment."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "CameraApp 1.0"  # Software
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 50.0, 48.0)  # Roland-Garros
    gps[3], gps[4] = "E", (2.0, 14.0, 57.0)
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
        b'exif:GPSLatitude="48,50.8N" exif:GPSLongitude="2,14.95E"/></rdf:RDF></x:xmpmeta>'
    )
    return jpeg((64, 48), RED, exif=exif, xmp=xmp, comment=b"home address: 1 rue Example")


REFUSED = {
    "zero bytes": Refused(Sample("photo.jpg", b""), "empty"),
    "text named .jpg": Refused(
        Sample("photo.jpg", b"just some text, not a photo\n"), "not an image we can read"
    ),
    "truncated JPEG": Refused(Sample("photo.jpg", truncated_jpeg()), "damaged or truncated"),
    "PNG claiming 50000x50000": Refused(
        Sample("bomb.png", png_bomb(), "image/png"), "too many pixels"
    ),
    # Each passed the 40 MP check; the strips cost the web 7-20 s, the worker could not use them.
    "1×40,000,000 PNG": Refused(
        Sample("strip.png", png_bomb(1, 40_000_000), "image/png"), "each side may be at most"
    ),
    "40,000,000×1 PNG": Refused(
        Sample("strip.png", png_bomb(40_000_000, 1), "image/png"), "each side may be at most"
    ),
    "4,000,000×10 PNG": Refused(
        Sample("strip.png", png_bomb(4_000_000, 10), "image/png"), "each side may be at most"
    ),
    "70,000×500 PNG": Refused(
        Sample("wide.png", png_bomb(70_000, 500), "image/png"), "each side may be at most"
    ),
    "PNG of 21:1": Refused(
        Sample("narrow.png", flat_png((2_100, 100)), "image/png"), "too long and narrow"
    ),
    "SVG with a script": Refused(
        Sample(
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script>'
            b'<rect width="10" height="10"/></svg>',
            "image/svg+xml",
        ),
        "not an image we can read",
    ),
    "HTML page": Refused(
        Sample(
            "page.html",
            b"<!doctype html><html><body><script>alert(1)</script></body></html>",
            "text/html",
        ),
        "not an image we can read",
    ),
    "HTML named .jpg": Refused(
        Sample("photo.jpg", b"<html><script>alert(1)</script></html>"), "not an image we can read"
    ),
}

PLAIN = (RED, RED)

ACCEPTED = {
    "CMYK JPEG": Accepted(Sample("cmyk.jpg", cmyk_jpeg()), ".jpg", (60, 40), ((225, 23, 23),) * 2),
    "16-bit PNG": Accepted(
        Sample("deep.png", png_16_bit(), "image/png"), ".png", (50, 30), ((156, 156, 156),) * 2
    ),
    "animated GIF, first frame": Accepted(
        Sample("moving.gif", animated_gif(), "image/gif"), ".png", (40, 30), PLAIN
    ),
    "EXIF-rotated JPEG": Accepted(
        Sample("turned.jpg", exif_rotated_jpeg()), ".jpg", (40, 80), (RED, BLUE)
    ),
    "PNG with alpha": Accepted(
        Sample("clear.png", png_with_alpha(), "image/png"), ".png", (30, 20), (WHITE, BLUE)
    ),
    "PNG named .jpg": Accepted(
        Sample("photo.jpg", encode(Image.new("RGB", (20, 10), BLUE), "PNG")),
        ".png",
        (20, 10),
        (BLUE, BLUE),
    ),
    "name with ../": Accepted(Sample("../../etc/passwd.jpg", jpeg()), ".jpg", (64, 48), PLAIN),
    "name with spaces": Accepted(
        Sample("my holiday photo (1).jpg", jpeg()), ".jpg", (64, 48), PLAIN
    ),
    "unicode name": Accepted(
        Sample("Nadal à Roland-Garros 🎾.jpg", jpeg()), ".jpg", (64, 48), PLAIN
    ),
    "name without extension": Accepted(Sample("photo", jpeg()), ".jpg", (64, 48), PLAIN),
    "name with markup": Accepted(
        Sample("<img src=x onerror=alert(1)>.jpg", jpeg()), ".jpg", (64, 48), PLAIN
    ),
    "300-character name": Accepted(Sample("a" * 296 + ".jpg", jpeg()), ".jpg", (64, 48), PLAIN),
    # The longest side and the narrowest shape allowed: the worker must handle them too.
    "PNG of 12,000×1,200": Accepted(
        Sample("panorama.png", flat_png((12_000, 1_200)), "image/png"),
        ".png",
        (12_000, 1_200),
        (BLUE, BLUE),
    ),
    "PNG of 1,200×12,000": Accepted(
        Sample("tower.png", flat_png((1_200, 12_000)), "image/png"),
        ".png",
        (1_200, 12_000),
        (BLUE, BLUE),
    ),
    "PNG of 1×10": Accepted(
        Sample("line.png", flat_png((1, 10)), "image/png"), ".png", (1, 10), (BLUE, BLUE)
    ),
    "1-pixel JPEG": Accepted(Sample("dot.jpg", jpeg((1, 1))), ".jpg", (1, 1), PLAIN),
}
