"""An event's batch export, as a desk files it: every finished photo tagged with its names
(``classifier.desk.prediction_tags``) in one zip, with a CSV saying who is in which file."""

import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO

from classifier.desk.csv_files import SafeWriter
from classifier.desk.prediction_tags import download_name, tagged_copies
from classifier.models import Prediction

CSV_NAME = "photos.csv"
CSV_COLUMNS = ["file", "original_name", "prediction_id", "people", "caption", "reviewed"]
# Photos tagged per exiftool run: one run per photo would cost its start-up each time.
PHOTOS_PER_EXIFTOOL_RUN = 50
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
