"""Build a training folder from a list of image URLs, as the original demo gathered its photos.

The list has one ``label<TAB>url`` per line (blank lines and ``#`` comments are skipped). Each
URL is downloaded by ``ml.fetch`` (every redirect's address checked: loopback, link-local and
private addresses refused unless ``--allow-network`` names them; one deadline and a size cap per
download), decoded, and kept in ``<out>/<label>/`` unless it is broken, too small to hold a
usable face, or a duplicate of a photo already kept: the same bytes (sha256), or the same
picture re-encoded, resized or lightly edited (a perceptual hash within a few bits, imagehash's
pHash). ``<out>/sources.csv`` records each kept file's label, the URL its bytes came from (after
the redirects) and sha256; running the build again keeps what is there and adds only the new
photos.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import imagehash

from ml import fetch
from ml.errors import ImageRejected, ModelError
from ml.imaging import load_image

log = logging.getLogger(__name__)

SOURCES = "sources.csv"
SOURCE_COLUMNS = ["label", "file", "url", "sha256"]
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "BMP": ".bmp", "GIF": ".gif"}
# Not "-" first: every cell of sources.csv then starts with a letter, a digit or "_" (the
# label, the file under it, an http(s) URL, a sha256), never as a spreadsheet formula would.
LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Limits:
    timeout: float = 20.0  # seconds for a whole download, redirects included
    max_bytes: int = 10 * 1024 * 1024
    min_side: int = 128  # pixels, on the shorter side
    near: int = 6  # pHash bits that may differ for two photos to count as the same picture
    allowed_networks: tuple[fetch.Network, ...] = ()  # not public, fetched all the same

    @property
    def download(self) -> fetch.Limits:
        return fetch.Limits(
            deadline=self.timeout,
            max_bytes=self.max_bytes,
            allowed_networks=self.allowed_networks,
        )


@dataclass
class Summary:
    kept: int = 0
    duplicate: int = 0
    broken: int = 0
    too_small: int = 0

    def __str__(self) -> str:
        return (
            f"kept {self.kept}, duplicate {self.duplicate}, broken {self.broken}, "
            f"too small {self.too_small}"
        )


def read_url_list(path: Path) -> list[tuple[str, str]]:
    """``(label, url)`` pairs; a malformed line is refused with its number."""
    pairs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        label, tab, url = line.strip().partition("\t")
        if not tab or not LABEL.match(label) or not url.startswith(("http://", "https://")):
            raise ModelError(
                f"{path}:{number}: expected a label (letters, digits, _ or - but not first), "
                f"a tab and an http(s) URL, got {line!r}"
            )
        pairs.append((label, url.strip()))
    return pairs


@dataclass
class KeptPhotos:
    """The kept photos of ``out`` so far: their sha256s and perceptual hashes."""

    out: Path
    limits: Limits
    hashes: set[str] = field(default_factory=set)
    pictures: list[imagehash.ImageHash] = field(default_factory=list)

    @classmethod
    def open(cls, out: Path, limits: Limits) -> KeptPhotos:
        kept_photos = cls(out, limits)
        sources = out / SOURCES
        if sources.is_file():
            with sources.open(newline="") as table:
                for row in csv.DictReader(table):
                    kept = out / row["file"]
                    if kept.is_file():
                        kept_photos.hashes.add(row["sha256"])
                        kept_photos.pictures.append(imagehash.phash(load_image(kept).image))
        else:
            out.mkdir(parents=True, exist_ok=True)
            with sources.open("w", newline="") as table:
                csv.writer(table).writerow(SOURCE_COLUMNS)
        return kept_photos

    def add(self, label: str, url: str) -> str:
        """Download, check and keep one photo; return its fate: a ``Summary`` field name."""
        limits = self.limits
        try:
            fetched = fetch.fetch(url, limits.download)
        except fetch.DownloadFailed as error:
            log.info("broken      %s: %s", url, error)
            return "broken"
        data, url = fetched.data, fetched.url
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 in self.hashes:
            log.info("duplicate   %s: the same bytes as a kept photo", url)
            return "duplicate"
        try:
            decoded = load_image(data)
        except ImageRejected as error:
            log.info("broken      %s: %s", url, error)
            return "broken"
        if min(decoded.image.size) < limits.min_side:
            log.info("too small   %s: %d×%d", url, *decoded.image.size)
            return "too_small"
        picture = imagehash.phash(decoded.image)
        if any(picture - kept <= limits.near for kept in self.pictures):
            log.info("duplicate   %s: the same picture as a kept photo", url)
            return "duplicate"
        name = f"{label}/{sha256[:16]}{SUFFIXES.get(decoded.format or '', '.img')}"
        (self.out / label).mkdir(exist_ok=True)
        (self.out / name).write_bytes(data)
        with (self.out / SOURCES).open("a", newline="") as table:
            csv.writer(table).writerow([label, name, url, sha256])
        self.hashes.add(sha256)
        self.pictures.append(picture)
        log.info("kept        %s: %s", url, name)
        return "kept"


def build(url_list: Path, out: Path, limits: Limits | None = None) -> Summary:
    """Download the listed photos into ``out/<label>/``; return what happened to them."""
    limits = limits or Limits()
    pairs = read_url_list(url_list)
    kept_photos = KeptPhotos.open(out, limits)
    summary = Summary()
    for label, url in pairs:
        fate = kept_photos.add(label, url)
        setattr(summary, fate, getattr(summary, fate) + 1)
    return summary
