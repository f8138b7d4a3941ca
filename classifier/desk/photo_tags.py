"""Names written into the photo itself, the way sports desks file pictures.

A tagged copy carries XMP ``Iptc4xmpExt:PersonInImage`` (the named athletes), MWG face regions
(``mwg-rs:Regions``: one normalised box per named face, with its name), the names as keywords
(``dc:subject`` and IPTC Keywords, after the file's own) and a caption (``dc:description`` and
IPTC Caption-Abstract) that Photo Mechanic, Lightroom, digiKam and the like read, plus the
credits the sent file carried (``classifier.desk.credits``: creator, credit, rights, source,
capture date, and the GPS position if the uploader kept it), written back as they came.
Everything else is removed first: serial numbers, any other GPS field and the camera's EXIF.
exiftool writes it: the reference implementation of these schemas, so no XMP or IPTC is written
by hand here.
"""

import base64
import fcntl
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from classifier.desk.credits import Credits

EXIFTOOL_SECONDS = 30
# How long a download waits for one of the machine's exiftool slots before it answers "busy".
DOWNLOAD_WAIT_SECONDS = 5


class TaggingUnavailable(RuntimeError):
    """exiftool is missing or failed; the message is fit for the user."""

    retry_after: int | None = None


class TaggingBusy(TaggingUnavailable):
    """Every exiftool slot of this machine is taken."""

    retry_after = 10


@contextmanager
def exiftool_slot(wait_seconds: float) -> Iterator[None]:
    """Hold one of the machine's ``ATHLETES_EXIFTOOL_PROCESSES`` slots while exiftool runs: a
    lock file each, taken with ``flock``, so the web's processes and threads and a worker on the
    same machine share the cap, and a crashed holder frees its slot. Raise TaggingBusy when no
    slot frees up within ``wait_seconds``."""
    folder = settings.VAR_DIR / "exiftool-slots"
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        for number in range(settings.ATHLETES_EXIFTOOL_PROCESSES):
            with open(folder / f"{number}.lock", "a") as slot:
                try:
                    fcntl.flock(slot, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                yield  # closing the file frees the slot
                return
        if time.monotonic() >= deadline:
            raise TaggingBusy(
                "The server is writing names into other photos right now: try again shortly."
            )
        time.sleep(0.1)


@dataclass(frozen=True)
class NamedFace:
    name: str
    box: tuple[int, int, int, int]  # x, y, width, height in the photo's pixels


@dataclass(frozen=True)
class PhotoTags:
    """What a tagged copy says: who is in it, where their faces are, and its caption."""

    people: list[str]
    faces: list[NamedFace]
    caption: str
    width: int
    height: int
    keywords: list[str] = field(default_factory=list)
    kept: Credits = field(default_factory=dict)

    def as_exiftool_json(self) -> dict:
        """The tags in exiftool's JSON import form. MWG areas are normalised and centred; IPTC
        is written as UTF-8 and says so."""
        regions = [
            {
                "Area": {
                    "X": round((x + w / 2) / self.width, 6),
                    "Y": round((y + h / 2) / self.height, 6),
                    "W": round(w / self.width, 6),
                    "H": round(h / self.height, 6),
                    "Unit": "normalized",
                },
                "Name": face.name,
                "Type": "Face",
            }
            for face in self.faces
            for x, y, w, h in [face.box]
        ]
        tags: dict = {
            **self.kept,
            "XMP-iptcExt:PersonInImage": self.people,
            "XMP-dc:Description": self.caption,
            "IPTC:Caption-Abstract": self.caption,
            "XMP-dc:Subject": self.keywords,
            "IPTC:Keywords": self.keywords,
            "IPTC:CodedCharacterSet": "UTF8",
        }
        if regions:
            tags["XMP-mwg-rs:RegionInfo"] = {
                "AppliedToDimensions": {"W": self.width, "H": self.height, "Unit": "pixel"},
                "RegionList": regions,
            }
        return tags


def joined_names(names: Iterable[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    names = list(names)
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def literal(value: Any) -> Any:
    """``value`` with every string base64-encoded, as exiftool's JSON import decodes it: a
    string of the form ``base64:…`` would otherwise be decoded, so a name (or a credit) that
    looks like one is written as it reads."""
    if isinstance(value, str):
        return f"base64:{base64.b64encode(value.encode()).decode()}"
    if isinstance(value, list):
        return [literal(item) for item in value]
    if isinstance(value, dict):
        return {key: literal(item) for key, item in value.items()}
    return value


def tag_photos(
    photos: Sequence[tuple[bytes, str, PhotoTags]], *, wait_seconds: float | None = None
) -> list[bytes]:
    """Tagged copies of several photos, in order, from one exiftool run: starting exiftool
    costs far more than tagging one photo (docs/benchmarks.md). The run waits up to
    ``wait_seconds`` (a download's ``DOWNLOAD_WAIT_SECONDS`` by default) for an exiftool slot
    (``exiftool_slot``)."""
    if wait_seconds is None:
        wait_seconds = DOWNLOAD_WAIT_SECONDS
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        raise TaggingUnavailable(
            "Tagged downloads need exiftool on the server (Debian: libimage-exiftool-perl)."
        )
    with tempfile.TemporaryDirectory() as folder:
        sources, tagged = Path(folder) / "in", Path(folder) / "out"
        sources.mkdir()
        names, imports = [], []
        for number, (photo, suffix, tags) in enumerate(photos):
            source = sources / f"{number}{suffix}"
            source.write_bytes(photo)
            names.append(source.name)
            imports.append({**literal(tags.as_exiftool_json()), "SourceFile": str(source)})
        tag_file = Path(folder) / "tags.json"
        tag_file.write_text(json.dumps(imports))
        command = [
            exiftool, "-q", "-q", "-m", "-charset", "iptc=UTF8", "-all=", f"-json={tag_file}",
            "-o", f"{tagged}/%f.%e",
        ]  # fmt: skip
        try:
            with exiftool_slot(wait_seconds):
                subprocess.run(
                    [*command, *(str(sources / name) for name in names)],
                    check=True,
                    capture_output=True,
                    timeout=EXIFTOOL_SECONDS + len(names),
                )
            return [(tagged / name).read_bytes() for name in names]
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise TaggingUnavailable("The names could not be written into these photos.") from exc
