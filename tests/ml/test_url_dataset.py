"""`python -m ml dataset build URLS.txt --out DIR`, against a local HTTP server: it keeps exactly
the good photos and says why it dropped the others; redirects into loopback, link-local or
private addresses are refused, one deadline covers each download, and the final URL is kept.

The test's server on 127.0.0.1 stands for the public web (``--allow-network 127.0.0.1/32``);
another on 127.0.0.2 stands for a machine inside the network, which must stay out of reach."""

from __future__ import annotations

import csv
import hashlib
import io
import time

import pytest
from PIL import Image

from ml.__main__ import main
from ml.errors import ModelError
from ml.fetch import DownloadFailed, fetch, networks
from ml.fetch import Limits as FetchLimits
from ml.url_dataset import Limits, build, read_url_list
from tests.photo_server import DRIP_SECONDS, serve

PUBLIC = networks(["127.0.0.1/32"])


def reencoded(image: Image.Image, scale: float = 1.0, quality: int = 95) -> bytes:
    buffer = io.BytesIO()
    size = (round(image.width * scale), round(image.height * scale))
    image.resize(size).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
def inside(photo_path):
    """A server on 127.0.0.2, inside the network; yields its base URL."""
    server = serve({"/secret.jpg": photo_path("james(7).jpg").read_bytes()}, {}, "127.0.0.2")
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(photo_path, inside):
    """A server with good photos, a copy, a re-encoded copy, a broken file, a tiny image, a
    huge one, a 404, a slow answer, a photo sent drop by drop, a moved photo, and redirects to
    a machine inside the network, to a link-local and to a private address; yields (base URL,
    {path: bytes})."""
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
        "/drip.jpg": reencoded(Image.open(io.BytesIO(nadal)), 0.9),
    }
    redirects = {
        "/moved.jpg": "/james-5.jpg",
        "/to-inside.jpg": f"{inside}/secret.jpg",
        "/to-metadata.jpg": "http://169.254.169.254/latest/meta-data/",
        "/to-private.jpg": "http://10.20.30.40/photo.jpg",
    }

    server = serve(files, redirects)
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
LIMITS = Limits(timeout=1.0, max_bytes=200_000, min_side=128, allowed_networks=PUBLIC)


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
                 "--timeout", "1", "--max-bytes", "200000",
                 "--allow-network", "127.0.0.1/32"])  # fmt: skip

    assert code == 0
    assert capsys.readouterr().out == "kept 3, duplicate 2, broken 1, too small 0\n"


def test_a_malformed_line_is_refused_with_its_number(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text(
        "rafael_nadal\thttps://example.org/a.jpg\nrafael nadal https://example.org/b.jpg\n"
    )

    with pytest.raises(ModelError, match=r"urls.txt:2: expected a label"):
        read_url_list(path)


def test_a_label_a_spreadsheet_would_read_as_a_formula_is_refused(tmp_path):
    """sources.csv starts each row with the label: "-" first would be a formula in Excel."""
    path = tmp_path / "urls.txt"
    path.write_text("-2-cmd\thttps://example.org/a.jpg\n")

    with pytest.raises(ModelError, match=r"urls.txt:1: expected a label"):
        read_url_list(path)


def test_only_web_urls_are_fetched(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text("rafael_nadal\tfile:///etc/passwd\n")

    with pytest.raises(ModelError, match="http"):
        read_url_list(path)


def test_redirects_into_the_network_are_refused_at_every_hop(tmp_path, site, outside_loopback):
    base, _ = site
    lines = ["rafael_nadal\tBASE/to-inside.jpg", "rafael_nadal\tBASE/to-metadata.jpg",
             "rafael_nadal\tBASE/to-private.jpg"]  # fmt: skip
    out = tmp_path / "dataset"

    summary = build(url_list(tmp_path, base, lines), out, LIMITS)

    assert (summary.kept, summary.broken) == (0, 3)
    assert kept_rows(out) == []
    for path, kind in [("to-inside", "loopback"), ("to-metadata", "link-local"),
                       ("to-private", "private")]:  # fmt: skip
        with pytest.raises(DownloadFailed, match=f"is a {kind} address, which is not fetched"):
            fetch(f"{base}/{path}.jpg", LIMITS.download)
    assert outside_loopback == []


def test_loopback_is_refused_unless_a_setting_allows_it(site):
    base, files = site

    with pytest.raises(DownloadFailed, match="127.0.0.1 is a loopback address"):
        fetch(f"{base}/nadal-3.jpg", FetchLimits())
    assert (
        fetch(f"{base}/nadal-3.jpg", FetchLimits(allowed_networks=PUBLIC)).data
        == files["/nadal-3.jpg"]
    )


def test_one_deadline_covers_a_download_sent_drop_by_drop(tmp_path, site):
    base, _ = site
    out = tmp_path / "dataset"
    started = time.monotonic()

    summary = build(url_list(tmp_path, base, ["rafael_nadal\tBASE/drip.jpg"]), out, LIMITS)

    assert (summary.kept, summary.broken) == (0, 1)
    assert time.monotonic() - started < DRIP_SECONDS - 1
    with pytest.raises(DownloadFailed, match="took longer than 1 s"):
        fetch(f"{base}/drip.jpg", LIMITS.download)


def test_sources_record_the_url_the_bytes_came_from(tmp_path, site):
    base, files = site
    out = tmp_path / "dataset"

    build(url_list(tmp_path, base, ["lebron_james\tBASE/moved.jpg"]), out, LIMITS)

    (row,) = kept_rows(out)
    assert row["url"] == f"{base}/james-5.jpg"
    assert (out / row["file"]).read_bytes() == files["/james-5.jpg"]


def test_a_bad_allowed_network_is_refused_in_words(tmp_path, capfd):
    urls = tmp_path / "urls.txt"
    urls.write_text("")

    code = main(["dataset", "build", str(urls), "--out", str(tmp_path / "out"),
                 "--allow-network", "localhost"])  # fmt: skip

    assert code == 2
    assert "--allow-network" in capfd.readouterr().err
