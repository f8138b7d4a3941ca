"""Decoding untrusted uploads: what we refuse, with a message for the person who sent it,
and how every accepted format becomes the same plain RGB picture."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from ml.errors import ImageRejected
from ml.imaging import downscale, load_image

UNREADABLE = "not an image we can read"


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims `width`×`height` but which carries almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def rejection(data: bytes, **options) -> str:
    with pytest.raises(ImageRejected) as caught:
        load_image(data, **options)
    message = str(caught.value)
    assert_fit_for_a_user(message)
    return message


def assert_fit_for_a_user(message: str) -> None:
    """A sentence for a person, not a Python or Pillow error leaking through."""
    assert message[0].isupper() and message.endswith(".")
    for leak in ("Error", "PIL", "Traceback", "cannot identify", "Errno", "<"):
        assert leak not in message


class TestRefusals:
    def test_it_refuses_an_empty_file(self):
        assert rejection(b"") == "The file is empty."

    def test_it_refuses_a_text_file(self):
        assert UNREADABLE in rejection(b"Dear team,\nplease find the photo attached.\n")

    def test_it_refuses_html(self):
        html = b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>"
        assert UNREADABLE in rejection(html)

    def test_it_refuses_an_svg_with_a_script(self):
        svg = (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><script>alert(document.cookie)</script><rect width="10" '
            b'height="10"/></svg>'
        )
        assert UNREADABLE in rejection(svg)

    def test_it_refuses_a_truncated_jpeg(self, photo_path):
        whole = photo_path("nadal(3).jpg").read_bytes()
        load_image(whole)  # the whole photo is fine

        assert "damaged or truncated" in rejection(whole[: len(whole) // 2])

    @pytest.mark.parametrize(
        ("width", "height"),
        [
            (50_000, 50_000),  # past Pillow's own bomb error
            (10_000, 10_000),  # past Pillow's bomb warning, below its error
            (8_000, 6_000),  # 48 MP: below Pillow's limits, above ours
        ],
    )
    def test_it_refuses_a_decompression_bomb_from_its_header(self, width, height):
        message = rejection(png_header_only(width, height))

        assert "too many pixels" in message
        assert "40 megapixels" in message

    def test_it_refuses_an_image_over_a_custom_pixel_limit(self):
        data = encode(Image.new("RGB", (100, 60)), "PNG")
        load_image(data, max_pixels=6000)  # exactly at the limit is accepted

        message = rejection(data, max_pixels=5999)
        assert "too many pixels" in message
        assert "100×60" in message

    @pytest.mark.parametrize(
        ("width", "height", "reason"),
        [
            (1, 40_000_000, "each side may be at most 12,000 px"),  # 16 s to decode, row by row
            (1_000, 10_001, "too long and narrow"),
            (40_000_000, 1, "each side may be at most 12,000 px"),
            (4_000_000, 10, "each side may be at most 12,000 px"),
            (70_000, 500, "each side may be at most 12,000 px"),  # past JPEG's 65,535
            (12_001, 1_500, "each side may be at most 12,000 px"),
            (5_000, 499, "too long and narrow"),
        ],
    )
    def test_it_refuses_a_side_or_shape_the_recognizer_cannot_handle_from_its_header(
        self, width, height, reason
    ):
        started = time.process_time()  # CPU time, which a busy machine does not stretch

        message = rejection(png_header_only(width, height))

        assert reason in message
        assert f"{width}×{height}" in message
        assert time.process_time() - started < 0.5  # read from the header, not decoded

    @pytest.mark.parametrize(("width", "height"), [(12_000, 1_200), (1_200, 12_000), (10, 1)])
    def test_it_accepts_the_longest_side_and_narrowest_shape_allowed(self, width, height):
        data = encode(Image.new("RGB", (width, height), (40, 90, 200)), "PNG")

        assert load_image(data).image.size == (width, height)


class TestAcceptedFormats:
    @pytest.mark.parametrize(
        ("image_format", "options"),
        [("PNG", {}), ("WEBP", {"lossless": True}), ("BMP", {}), ("JPEG", {"quality": 95})],
    )
    def test_it_decodes_each_accepted_format_to_rgb(self, image_format, options):
        colour = (10, 200, 30)
        data = encode(Image.new("RGB", (40, 30), colour), image_format, **options)

        decoded = load_image(data)

        assert decoded.format == image_format
        assert decoded.image.mode == "RGB"
        assert decoded.image.size == (40, 30)
        assert np.abs(np.subtract(decoded.image.getpixel((20, 15)), colour)).max() <= 3

    def test_it_reads_a_file_by_path(self, tmp_path):
        path = tmp_path / "team photo (1).png"
        path.write_bytes(encode(Image.new("RGB", (8, 6), "red"), "PNG"))

        assert load_image(path).image.getpixel((0, 0)) == (255, 0, 0)
        assert load_image(str(path)).image.size == (8, 6)

    def test_it_uses_the_first_frame_of_an_animated_gif(self):
        frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue", "lime")]
        data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
        assert Image.open(io.BytesIO(data)).n_frames == 3

        decoded = load_image(data)

        assert decoded.format == "GIF"
        assert decoded.image.mode == "RGB"
        assert decoded.image.getpixel((20, 15)) == (255, 0, 0)

    def test_it_converts_a_cmyk_jpeg_to_the_right_rgb_colour(self):
        colour = (200, 40, 40)
        data = encode(Image.new("RGB", (40, 30), colour).convert("CMYK"), "JPEG", quality=95)
        assert Image.open(io.BytesIO(data)).mode == "CMYK"

        decoded = load_image(data)

        assert decoded.image.mode == "RGB"
        assert np.abs(np.subtract(decoded.image.getpixel((20, 15)), colour)).max() <= 4

    def test_it_scales_16_bit_samples_instead_of_clipping_them_to_white(self):
        samples = np.full((30, 40), 40_000, np.uint16)
        samples[:, 20:] = 10_000
        data = encode(Image.fromarray(samples), "PNG")
        assert Image.open(io.BytesIO(data)).mode.startswith("I")

        pixels = np.asarray(load_image(data).image)

        assert pixels.shape == (30, 40, 3)
        assert tuple(pixels[5, 5]) == (156, 156, 156)  # 40,000 / 65,535 of full scale
        assert tuple(pixels[5, 30]) == (39, 39, 39)

    def test_it_flattens_transparency_onto_white(self):
        image = Image.new("RGBA", (40, 30), (255, 0, 0, 0))  # invisible red
        image.paste((0, 0, 255, 255), (0, 0, 20, 30))  # opaque blue on the left

        decoded = load_image(encode(image, "PNG")).image

        assert decoded.mode == "RGB"
        assert decoded.getpixel((5, 5)) == (0, 0, 255)
        assert decoded.getpixel((30, 5)) == (255, 255, 255)

    def test_it_applies_the_exif_orientation(self):
        image = Image.new("RGB", (200, 100), (255, 0, 0))  # stored: red left, blue right
        image.paste((0, 0, 255), (100, 0, 200, 100))
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90° clockwise to display"

        decoded = load_image(encode(image, "JPEG", quality=95, exif=exif.tobytes())).image

        assert decoded.size == (100, 200)
        assert np.abs(np.subtract(decoded.getpixel((50, 40)), (255, 0, 0))).max() <= 4
        assert np.abs(np.subtract(decoded.getpixel((50, 160)), (0, 0, 255))).max() <= 4


class TestDownscale:
    def test_it_returns_the_factor_that_maps_back_to_original_pixels(self):
        original = Image.new("RGB", (6000, 4000))

        small, factor = downscale(original)

        assert max(small.size) == 640
        assert small.size[0] * factor == pytest.approx(6000, abs=factor)
        assert small.size[1] * factor == pytest.approx(4000, abs=factor)

    def test_it_maps_a_point_back_to_where_it_was(self):
        original = Image.new("RGB", (3000, 1500), "black")
        original.paste((255, 255, 255), (2100, 600, 2160, 660))

        small, factor = downscale(original, max_side=500)

        ys, xs = np.nonzero(np.asarray(small.convert("L")) > 128)
        assert xs.mean() * factor == pytest.approx(2130, abs=2 * factor)
        assert ys.mean() * factor == pytest.approx(630, abs=2 * factor)

    def test_it_leaves_a_small_image_alone(self):
        original = Image.new("RGB", (640, 300))

        small, factor = downscale(original)

        assert small is original
        assert factor == 1.0
