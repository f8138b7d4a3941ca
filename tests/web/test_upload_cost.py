"""No upload request can hold the served site: a 467-byte PNG of 1×40,000,000 px is refused
from its header, a request's pixels are capped, and a refused request stores nothing at all.

Through gunicorn configured as scripts/run configures it, in front of a real worker.
"""

import time

import pytest
import requests

from classifier.models import Prediction
from tests.web import corpus
from tests.web.conftest import stored_files

pytestmark = pytest.mark.integration


def form_post(served, files: list[tuple[str, bytes]]) -> requests.Response:
    """The home page's form, with its CSRF token, as a browser sends it."""
    session = requests.Session()
    session.get(f"{served.url}/", timeout=10)
    token = session.cookies["csrftoken"]
    return session.post(
        f"{served.url}/upload/",
        data={"csrfmiddlewaretoken": token},
        files=[("image", (name, data, "image/png")) for name, data in files],
        allow_redirects=False,
        timeout=60,
    )


def test_six_strips_of_40_megapixels_in_one_form_are_refused_at_once(served, active_model):
    before = stored_files(served.media_root)
    strip = corpus.png_bomb(1, 40_000_000)
    assert len(strip) < 500

    started = time.monotonic()
    response = form_post(served, [(f"strip{n}.png", strip) for n in range(6)])
    seconds = time.monotonic() - started

    assert response.status_code == 400, served.logs()
    assert "each side may be at most 12,000 px" in response.text
    assert "Nothing was stored" in response.text
    assert seconds < 10, f"the refusal took {seconds:.1f} s"
    assert not Prediction.objects.exists()
    assert stored_files(served.media_root) == before


def test_a_request_past_the_pixel_budget_is_refused_whole(served, active_model):
    before = stored_files(served.media_root)
    large = corpus.encode(corpus.Image.new("RGB", (8_000, 5_000), corpus.BLUE), "PNG")

    response = form_post(served, [(f"large{n}.png", large) for n in range(3)])  # 120 MP

    assert response.status_code == 400, served.logs()
    assert "too large to take in one request" in response.text
    assert not Prediction.objects.exists()
    assert stored_files(served.media_root) == before


def test_one_refused_file_refuses_the_whole_request(served, active_model):
    before = stored_files(served.media_root)
    good = corpus.encode(corpus.Image.new("RGB", (64, 48), corpus.RED), "PNG")

    response = form_post(served, [("good.png", good), ("bad.png", b"not a photo")])

    assert response.status_code == 400, served.logs()
    assert "bad.png: This file is not an image we can read" in response.text
    assert not Prediction.objects.exists()
    assert stored_files(served.media_root) == before
