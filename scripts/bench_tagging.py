#!/usr/bin/env python3
"""Benchmark: writing names into photos with exiftool, one run per photo beside one run for a
batch (what an event's export does), on the same photos in the same process.

    .venv/bin/python scripts/bench_tagging.py --photos ../shared/datasets/athletes --count 50

Prints the milliseconds per photo of each way. Needs exiftool; writes only to temporary folders.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.desk.photo_tags import NamedFace, PhotoTags, tag_photos  # noqa: E402

# One exiftool at a time, as the site's cap would allow, with its slots in a scratch folder.
settings.configure(VAR_DIR=Path(tempfile.mkdtemp()), ATHLETES_EXIFTOOL_PROCESSES=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=os.environ.get("ATHLETES_SAMPLE_DATA"))
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    if args.photos is None:
        parser.error("give --photos or set ATHLETES_SAMPLE_DATA")
    paths = sorted(args.photos.glob("*/*.jpg"))[: args.count]
    tags = PhotoTags(
        ["Rafael Nadal", "LeBron James"],
        [NamedFace("Rafael Nadal", (10, 10, 60, 60)), NamedFace("LeBron James", (90, 10, 60, 60))],
        "Rafael Nadal and LeBron James during Final, 7 June 2026",
        700,
        415,
    )
    photos = [(path.read_bytes(), ".jpg", tags) for path in paths]

    started = time.perf_counter()
    for photo in photos:
        tag_photos([photo], wait_seconds=60)
    one_by_one = (time.perf_counter() - started) * 1000 / len(photos)

    started = time.perf_counter()
    tag_photos(photos, wait_seconds=60)
    batched = (time.perf_counter() - started) * 1000 / len(photos)

    print(f"{len(photos)} photos, exiftool {os.popen('exiftool -ver').read().strip()}")
    print(f"{'one exiftool run per photo':<32}{one_by_one:8.1f} ms/photo")
    print(f"{'one exiftool run for all':<32}{batched:8.1f} ms/photo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
