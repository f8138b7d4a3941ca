"""`python -m ml dataset build URLS.txt --out DIR`, against a local HTTP server: it keeps exactly
the good photos and says why it dropped the others."""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from ml.__main__ import main
from ml.errors import ModelError
from ml.url_dataset import Limits, build, read_url_list

SLOW_SECONDS = 3


def reencoded(image: Image.Image, scale: float = 1.0, quality: int = 95) -> bytes:
    buffer = io.BytesIO()
    size = (round(image.width * scale), round(image.height * scale))
    image.resize(size).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
def site(photo_path):
    """A server with good photos, a copy, a re-encoded copy, a broken file, a tiny image, a
    huge one, a 404 and a slow answer; yields (base URL, {path: bytes})."""
    nadal, nadal_2, james = (
        photo_path(name).read_bytes() for name in ("nadal(3).jpg", "nadal(8).jpg", "james(5).jpg")
    )
    files = {
        "/nadal-3.jpg": nadal,
        "/nadal-8.jpg": nadal_2,
        "/james-5.jpg": james,
        "/mirror/nadal-3.jpg": nadal,  # the same bytes elsewhere
        "/nadal-3-smaller.jpg": reencoded(Image.open(io.BytesIO(nadal)), 0.8, 70),
        "/broken.jpg": b"<html>not an image</html>",
        "/tiny.jpg": reencoded(Image.open(io.BytesIO(james)), 0.1),
        "/huge.jpg": b"\xff" * 300_000,
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/slow.jpg":
                time.sleep(SLOW_SECONDS)
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", files
    finally:
        server.shutdown()
        server.server_close()


def url_list(tmp_path, base: str, lines: list[str]):
    path = tmp_path / "urls.txt"
    path.write_text(
        "# label<TAB>url\n\n" + "".join(f"{line.replace('BASE', base)}\n" for line in lines)
    )
    return path


ALL = [
    "rafael_nadal\tBASE/nadal-3.jpg",
    "rafael_nadal\tBASE/nadal-8.jpg",
    "lebron_james\tBASE/james-5.jpg",
    "rafael_nadal\tBASE/mirror/nadal-3.jpg",
    "rafael_nadal\tBASE/nadal-3-smaller.jpg",
    "lebron_james\tBASE/broken.jpg",
    "lebron_james\tBASE/missing.jpg",
    "lebron_james\tBASE/tiny.jpg",
    "lebron_james\tBASE/huge.jpg",
    "lebron_james\tBASE/slow.jpg",
]
LIMITS = Limits(timeout=1.0, max_bytes=200_000, min_side=128)


def kept_rows(out) -> list[dict]:
    with (out / "sources.csv").open(newline="") as table:
        return list(csv.DictReader(table))


def test_it_keeps_exactly_the_good_photos(tmp_path, site):
    base, files = site
    out = tmp_path / "dataset"

    summary = build(url_list(tmp_path, base, ALL), out, LIMITS)

    assert (summary.kept, summary.duplicate, summary.broken, summary.too_small) == (3, 2, 4, 1)
    rows = kept_rows(out)
    assert [row["url"] for row in rows] == [
        f"{base}/nadal-3.jpg",
        f"{base}/nadal-8.jpg",
        f"{base}/james-5.jpg",
    ]
    for row in rows:
        data = (out / row["file"]).read_bytes()
        assert data == files[row["url"].removeprefix(base)]
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert row["file"].startswith(f"{row['label']}/")
    assert sorted(path.name for path in out.iterdir()) == [
        "lebron_james",
        "rafael_nadal",
        "sources.csv",
    ]
    assert len(list(out.glob("*/*"))) == 3


def test_a_second_build_keeps_what_is_there_and_adds_only_new_photos(tmp_path, site):
    base, _ = site
    out = tmp_path / "dataset"
    build(url_list(tmp_path, base, ALL[:2]), out, LIMITS)

    summary = build(url_list(tmp_path, base, ALL[:5]), out, LIMITS)

    assert (summary.kept, summary.duplicate) == (1, 4)
    assert len(kept_rows(out)) == 3


def test_the_command_prints_the_summary(tmp_path, site, capsys):
    base, _ = site
    urls = url_list(tmp_path, base, ALL[:6])

    code = main(["dataset", "build", str(urls), "--out", str(tmp_path / "dataset"),
                 "--timeout", "1", "--max-bytes", "200000"])  # fmt: skip

    assert code == 0
    assert capsys.readouterr().out == "kept 3, duplicate 2, broken 1, too small 0\n"


def test_a_malformed_line_is_refused_with_its_number(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text(
        "rafael_nadal\thttps://example.org/a.jpg\nrafael nadal https://example.org/b.jpg\n"
    )

    with pytest.raises(ModelError, match=r"urls.txt:2: expected a label"):
        read_url_list(path)


def test_only_web_urls_are_fetched(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text("rafael_nadal\tfile:///etc/passwd\n")

    with pytest.raises(ModelError, match="http"):
        read_url_list(path)
