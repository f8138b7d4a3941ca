"""An event's batch export, as a desk files it: every finished photo tagged with its names
(``classifier.desk.prediction_tags``) in one zip, with a CSV saying who is in which file.

The web chooses the photos and names what the zip will hold (``export_key``); the worker builds
it (``build``) and it is kept (``EventExport``) for whoever asks for the same again.
"""

import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO

from django.core.files import File
from django.utils import timezone
from django.utils.text import slugify

from classifier.desk.csv_files import SafeWriter
from classifier.desk.photo_tags import TaggingUnavailable
from classifier.desk.prediction_tags import (
    download_name,
    photo_tags,
    tagged_copies,
    tagged_copy_name,
)
from classifier.models import Athlete, Event, EventExport, Prediction

CSV_NAME = "photos.csv"
CSV_COLUMNS = ["file", "original_name", "prediction_id", "people", "caption", "reviewed"]
# Photos tagged per exiftool run: one run per photo would cost its start-up each time.
PHOTOS_PER_EXIFTOOL_RUN = 50
# Seconds a client is told to wait before asking for an export being prepared again.
EXPORT_RETRY_AFTER = 2
# The worker waits this long for an exiftool slot (a download waits seconds).
EXPORT_WAIT_SECONDS = 600
# Zips bigger than this are written to disk while they are built, not kept in memory.
IN_MEMORY_BYTES = 32 * 1024 * 1024


def batches(predictions: Iterable[Prediction], size: int) -> Iterator[list[Prediction]]:
    remaining = iter(predictions)
    while batch := list(islice(remaining, size)):
        yield batch


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with ``-2``, ``-3``… before its suffix if a file has it already."""
    path, number = Path(name), 1
    while name in taken:
        number += 1
        name = f"{path.stem}-{number}{path.suffix}"
    taken.add(name)
    return name


def event_zip(predictions: Iterable[Prediction], *, wait_seconds: float | None = None) -> IO[bytes]:
    """A zip of the tagged photos and ``photos.csv``, rewound for reading.

    Raises ``TaggingUnavailable`` like a single download when exiftool cannot write.
    """
    # Returned open: FileResponse closes it once sent.
    archive = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115
    try:
        write_zip(archive, predictions, wait_seconds)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return archive


def write_zip(
    archive: IO[bytes], predictions: Iterable[Prediction], wait_seconds: float | None
) -> None:
    table = io.StringIO()
    rows = SafeWriter(table)
    rows.writerow(CSV_COLUMNS)
    taken: set[str] = set()
    with zipfile.ZipFile(archive, "w") as bundle:
        for batch in batches(predictions, PHOTOS_PER_EXIFTOOL_RUN):
            copies = tagged_copies(batch, wait_seconds=wait_seconds)
            for prediction, (tags_of_photo, tagged) in zip(batch, copies, strict=True):
                name = unique_name(download_name(prediction), taken)
                bundle.writestr(name, tagged)
                reviewed = "yes" if prediction.is_reviewed else "no"
                rows.writerow(
                    [name, prediction.original_name, prediction.pk, "; ".join(tags_of_photo.people),
                     tags_of_photo.caption, reviewed]
                )  # fmt: skip
        bundle.writestr(CSV_NAME, table.getvalue())


def export_photos(event: Event, user, visitor: str, everyone: bool = False) -> list[Prediction]:
    """The event's finished photos that this visitor may list, in upload order: only those of
    accounts allowed to upload into events and of the hot folder, unless ``everyone``."""
    photos = event.predictions.visible_to(user, visitor)
    if not everyone:
        photos = photos.from_event_uploaders()
    return list(
        photos.filter(status=Prediction.Status.DONE)
        .select_related("event")
        .with_faces()
        .order_by("created_at")
    )


def export_key(photos: list[Prediction]) -> str:
    """What a zip of these photos holds: each photo, what is written into it, its file name and
    whether it was reviewed. Two requests with the same key get the same zip."""
    names = Athlete.objects.display_names()
    holds = [
        [str(photo.pk), tagged_copy_name(photo, photo_tags(photo, names)), download_name(photo),
         photo.is_reviewed]
        for photo in photos
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(holds).encode()).hexdigest()


def export_name(event: Event) -> str:
    return f"{slugify(event.name) or 'event'}-{event.date:%Y-%m-%d}-athletes.zip"


def build(export: EventExport) -> None:
    """Write the export's zip into storage (in the worker), or record why it could not be."""
    try:
        with event_zip(export.ordered_photos(), wait_seconds=EXPORT_WAIT_SECONDS) as archive:
            export.file.save(f"{export.pk}.zip", File(archive), save=False)
    except TaggingUnavailable as exc:
        export.fail(str(exc))
        return
    export.status, export.finished_at = EventExport.Status.READY, timezone.now()
    if not export.finish():
        export.file.delete(save=False)  # its row went (its event was deleted) while it was built
