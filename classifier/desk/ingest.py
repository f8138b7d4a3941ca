"""Ingest a folder of photos, once or as a hot folder: every new photo becomes one upload.

A photo is new when no prediction of the same event has its bytes (sha256), so a folder can be
ingested again, or watched, and duplicates inside it are uploaded once. Each file goes through
the same checks and storage as an upload from the site (``classifier.uploads``).
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile

from classifier.models import Event, Prediction
from classifier.uploads import check_upload, store_uploads
from ml.dataset import PHOTO_SUFFIXES
from ml.errors import ImageRejected


@dataclass
class Tally:
    uploaded: int = 0
    seen: int = 0
    rejected: int = 0

    def __str__(self) -> str:
        return f"{self.uploaded} uploaded, {self.seen} already seen, {self.rejected} rejected"


@dataclass
class Ingest:
    """Upload the new photos of ``folder`` into ``event``; ``report`` gets one line per file."""

    folder: Path
    event: Event | None = None
    uploader: object = None
    report: Callable[[str], None] = print
    # Files already handled, by (path, size, modification time): not read again when watching.
    handled: set[tuple[Path, int, int]] = field(default_factory=set)

    def photos(self) -> list[Path]:
        return sorted(
            path
            for path in self.folder.rglob("*")
            if path.suffix.lower() in PHOTO_SUFFIXES
            and path.is_file()
            and not path.name.startswith(".")
        )

    def run_once(self) -> Tally:
        """Go over the folder once, with a line of progress per photo; return the counts."""
        tally = Tally()
        photos = self.photos()
        for number, path in enumerate(photos, start=1):
            self.ingest(path, tally, progress=f"[{number}/{len(photos)}] ")
        return tally

    def watch(self, interval: float) -> None:
        """Ingest, then look again every ``interval`` seconds, until interrupted.

        A file is taken only once its size and modification time held still for one interval,
        so a photo still being copied in is not read half-written.
        """
        tally = Tally()
        sizes: dict[Path, tuple[int, int]] = {}
        while True:
            for path in self.photos():
                stat = path.stat()
                now = (stat.st_size, stat.st_mtime_ns)
                if sizes.get(path) == now:
                    self.ingest(path, tally)
                sizes[path] = now
            time.sleep(interval)

    def ingest(self, path: Path, tally: Tally, progress: str = "") -> None:
        """Upload one file unless its bytes were seen in this event, and report it."""
        stat = path.stat()
        key = (path, stat.st_size, stat.st_mtime_ns)
        if key in self.handled:
            return
        self.handled.add(key)
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        name = path.relative_to(self.folder)
        if Prediction.objects.filter(sha256=sha256, event=self.event).exists():
            tally.seen += 1
            self.report(f"{progress}{name}: already seen, skipped")
            return
        with path.open("rb") as file:
            try:
                checked = check_upload(
                    UploadedFile(file, name=path.name, size=len(data)), self.event
                )
            except ImageRejected as exc:
                tally.rejected += 1
                self.report(f"{progress}{name}: rejected: {exc}")
                return
        (prediction,) = store_uploads([checked], uploader=self.uploader, event=self.event)
        tally.uploaded += 1
        self.report(f"{progress}{name}: uploaded, {prediction.status}")
