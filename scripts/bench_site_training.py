#!/usr/bin/env python3
"""Benchmark: the site's training of the sample set (``train_version``, as the worker runs
it), from the examples' stored embeddings beside from their photos, in one process.

    .venv/bin/python scripts/bench_site_training.py --rounds 2

Every photo of ATHLETES_SAMPLE_DATA is enrolled as an example of its athlete and its faces
found once, as the worker finds them. Then, alternating, the version is trained from the
stored embeddings, and with the examples' embeddings set aside, which makes training read and
embed every photo again, as it did before it read stored embeddings. Prints the seconds of
each training, the CPU model and the load. Writes only to a temporary folder (its database,
media and models).
"""

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
WORK = Path(tempfile.mkdtemp(prefix="bench-site-training-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="athletes_site.settings.test",
    DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
    MEDIA_ROOT=str(WORK / "media"),
    ATHLETES_MODELS_DIR=str(WORK / "models"),
)

import django  # noqa: E402

django.setup()
logging.disable(logging.WARNING)  # training's own lines; the figures are printed below

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402

from classifier.models import Athlete, Example, ExampleFace, ModelVersion  # noqa: E402
from classifier.worker import example_faces  # noqa: E402
from classifier.worker.training import train_version  # noqa: E402
from ml.dataset import PHOTO_SUFFIXES  # noqa: E402


def enrol_sample_set(folder: Path) -> int:
    """Every photo of ``folder``'s ``<label>/`` folders as an example, its faces found."""
    count = 0
    for athlete_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        athlete = Athlete.objects.create(
            label=athlete_folder.name, display_name=athlete_folder.name
        )
        for path in sorted(athlete_folder.iterdir()):
            if path.suffix.lower() not in PHOTO_SUFFIXES:
                continue
            example = Example(athlete=athlete, original_name=path.name)
            example.image.save(path.name, ContentFile(path.read_bytes()))
            example_faces.detect(example)
            count += 1
    return count


def timed_training() -> float:
    started = time.perf_counter()
    trained = train_version(ModelVersion.objects.start_training())
    seconds = time.perf_counter() - started
    assert trained.status == ModelVersion.Status.READY, trained.error
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    photos = enrol_sample_set(Path(settings.ATHLETES_SAMPLE_DATA))
    stored = dict(ExampleFace.objects.values_list("pk", "embedding"))
    print(f"{photos} example photos, {len(stored)} faces stored, in {WORK}")
    subprocess.run("lscpu | grep 'Model name'", shell=True, check=False)
    for round_ in range(1, args.rounds + 1):
        subprocess.run(["uptime"], check=False)
        from_stored = timed_training()
        ExampleFace.objects.update(embedding=None)
        from_photos = timed_training()
        ExampleFace.objects.bulk_update(
            [ExampleFace(pk=pk, embedding=vector) for pk, vector in stored.items()],
            ["embedding"],
        )
        print(
            f"round {round_}: from stored embeddings {from_stored:.1f} s, "
            f"from the photos {from_photos:.1f} s ({from_photos / from_stored:.1f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
