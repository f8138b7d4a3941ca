"""Ingest a folder of photos, once or as a hot folder: every new photo becomes one upload.

A photo is new when no prediction of the same event has its bytes (sha256), so a folder can be
ingested again, or watched, and duplicates inside it are uploaded once. Each file goes through
the same checks and storage as an upload from the site (``classifier.uploads``).

Only plain files inside the folder are read: a symbolic link is skipped, never followed (it
would bring in a file from anywhere, ``/proc/self/mem`` included), a file too large is refused
from its size before it is opened, and a file that cannot be read is reported and skipped, so
one bad entry neither stops a run nor ends a watch.
"""

import hashlib
import io
import os
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile

from classifier.models import Event, Prediction
from classifier.uploads import check_size, check_upload, store_uploads
from ml.dataset import PHOTO_SUFFIXES
from ml.errors import ImageRejected


@dataclass
class Tally:
    uploaded: int = 0
    seen: int = 0
    rejected: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (
            f"{self.uploaded} uploaded, {self.seen} already seen, {self.rejected} rejected, "
            f"{self.skipped} skipped"
        )


@dataclass(frozen=True)
class Found:
    """An entry of the folder as one look saw it (``lstat``, links not followed), or why it
    is skipped. Equal when nothing about the file changed, ``chmod`` included (``ctime``)."""

    path: Path
    size: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0
    problem: str = ""


def unreadable(error: OSError) -> str:
    return f"cannot be read ({error.strerror or error})"


@dataclass
class Ingest:
    """Upload the new photos of ``folder`` into ``event``; ``report`` gets one line per file."""

    folder: Path
    event: Event | None = None
    uploader: object = None
    report: Callable[[str], None] = print
    # Entries already handled, as they were then: not read (nor reported) again when watching.
    handled: set[Found] = field(default_factory=set)
    # The upload batch of this look at the folder (the review queue's "your last upload").
    batch: uuid.UUID = field(default_factory=uuid.uuid4)

    def photos(self) -> list[Found]:
        """Every entry under the folder named as a photo is, by path; links to folders are
        reported as well, and folders that cannot be listed."""
        found: list[Found] = []

        def folder_error(error: OSError) -> None:
            found.append(Found(Path(error.filename or self.folder), problem=unreadable(error)))

        for root, folders, files in os.walk(self.folder, onerror=folder_error):
            for name in folders:
                if os.path.islink(os.path.join(root, name)):
                    found.append(Found(Path(root, name), problem="a symbolic link, not followed"))
            for name in files:
                if Path(name).suffix.lower() in PHOTO_SUFFIXES and not name.startswith("."):
                    found.append(self.look(Path(root, name)))
        return sorted(found, key=lambda entry: entry.path)

    @staticmethod
    def look(path: Path) -> Found:
        try:
            status = path.lstat()
        except OSError as error:
            return Found(path, problem=unreadable(error))
        problem = ""
        if stat.S_ISLNK(status.st_mode):
            problem = "a symbolic link, not followed"
        elif not stat.S_ISREG(status.st_mode):
            problem = "not a plain file"
        return Found(path, status.st_size, status.st_mtime_ns, status.st_ctime_ns, problem)

    def run_once(self) -> Tally:
        """Go over the folder once, with a line of progress per photo; return the counts."""
        tally = Tally()
        photos = self.photos()
        self.batch = uuid.uuid4()
        for number, found in enumerate(photos, start=1):
            self.ingest(found, tally, progress=f"[{number}/{len(photos)}] ")
        return tally

    def watch(self, interval: float) -> None:
        """Ingest, then look again every ``interval`` seconds, until interrupted.

        A file is taken only once its size and modification time held still for one interval,
        so a photo still being copied in is not read half-written.
        """
        tally = Tally()
        before: dict[Path, Found] = {}
        while True:
            now = {found.path: found for found in self.photos()}
            self.batch = uuid.uuid4()
            for path, found in now.items():
                if before.get(path) == found:
                    self.ingest(found, tally)
            before = now
            time.sleep(interval)

    def ingest(self, found: Found, tally: Tally, progress: str = "") -> None:
        """Upload one file unless its bytes were seen in this event, and report it."""
        if found in self.handled:
            return
        self.handled.add(found)
        name = found.path.relative_to(self.folder)
        if found.problem:
            tally.skipped += 1
            self.report(f"{progress}{name}: skipped: {found.problem}")
            return
        try:
            check_size(found.size)
            data = self.read(found)
            sha256 = hashlib.sha256(data).hexdigest()
            if Prediction.objects.filter(sha256=sha256, event=self.event).exists():
                tally.seen += 1
                self.report(f"{progress}{name}: already seen, skipped")
                return
            upload = UploadedFile(io.BytesIO(data), name=found.path.name, size=len(data))
            checked = check_upload(upload, self.event)
        except ImageRejected as exc:
            tally.rejected += 1
            self.report(f"{progress}{name}: rejected: {exc}")
            return
        except OSError as exc:
            tally.skipped += 1
            self.report(f"{progress}{name}: skipped: {unreadable(exc)}")
            return
        (prediction,) = store_uploads(
            [checked], uploader=self.uploader, event=self.event, batch=self.batch
        )
        tally.uploaded += 1
        self.report(f"{progress}{name}: uploaded, {prediction.status}")

    @staticmethod
    def read(found: Found) -> bytes:
        """The file's bytes, never through a link put in its place since the look, and no more
        than the look's size, which passed the limit: a file still growing is read again once
        its new size holds still (``watch``)."""
        with open(os.open(found.path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as file:
            return file.read(found.size)
