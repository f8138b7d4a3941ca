"""manage.py bench_people: what People costs on this database, beside the CPU it ran on.

Prints the nearest-faces index's recall@10 against exact search over every stored face (from
``--queries`` faces drawn at random), the time to restore it from its snapshot and to search
it, and what grouping adds in the worker per unknown face (``Person.objects.place``, timed on
stored faces taken out of their groups and placed again, all rolled back). Page latencies are
``manage.py bench_history``'s.
"""

import os
import platform
import random
import subprocess
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from classifier.management.commands.bench_history import percentile
from classifier.models import Face, Person, face_index
from ml.neighbours import recall_at_10


class Rollback(Exception):
    """Raised to undo the timed placements."""


def cpu_and_load() -> str:
    """The CPU's model name (lscpu) and the load averages, to print beside figures."""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = next(
        (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line),
        platform.processor(),
    )
    return f"{model}; {os.cpu_count()} CPUs; load average {os.getloadavg()}"


class Command(BaseCommand):
    help = "Print the face index's recall@10 and timings, and grouping's cost per face."

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--placements", type=int, default=200)

    def handle(self, *args, queries: int, placements: int, **options):
        rows = list(
            Face.objects.filter(embedding__isnull=False)
            .order_by("pk")
            .values_list("pk", "embedding")
        )
        if len(rows) < 11:
            raise CommandError("Too few faces: run manage.py seed_history first.")
        self.stdout.write(cpu_and_load())
        ids = np.array([pk for pk, _ in rows])
        vectors = np.stack([np.frombuffer(bytes(stored or b""), dtype="<f4") for _, stored in rows])
        face_index.forget()
        started = time.perf_counter()
        face_index.nearest_faces(vectors[0], 1)
        self.stdout.write(
            f"{len(rows)} faces; index restored and brought up to date in "
            f"{time.perf_counter() - started:.2f} s"
        )
        mean, lowest = recall_at_10(face_index.nearest_faces, ids, vectors, min(queries, len(rows)))
        self.stdout.write(f"recall@10 against exact search: {mean:.3f} (lowest {lowest:.1f}), "
                          f"{queries} queries")  # fmt: skip
        times = []
        for row in random.Random(0).sample(range(len(rows)), min(queries, len(rows))):
            started = time.perf_counter()
            face_index.nearest_faces(vectors[row], 100)
            times.append((time.perf_counter() - started) * 1000)
        self.stdout.write(f"search 100 nearest: p50 {percentile(times, 0.5):.2f} ms, "
                          f"p95 {percentile(times, 0.95):.2f} ms")  # fmt: skip
        self.stdout.write(self.placing(placements))

    def placing(self, count: int) -> str:
        grouped = list(
            Face.objects.filter(person__isnull=False)
            .values_list("pk", flat=True)
            .order_by("?")[:count]
        )
        if not grouped:
            return "No grouped face to place: run manage.py group_people."
        times = []
        try:
            with transaction.atomic():
                for pk in grouped:
                    face = Face.objects.select_related("prediction", "review").get(pk=pk)
                    Face.objects.filter(pk=pk).update(person=None)
                    Person.objects.recount([face.person_id or 0])
                    face.person = None
                    started = time.perf_counter()
                    Person.objects.place(face)
                    times.append((time.perf_counter() - started) * 1000)
                raise Rollback
        except Rollback:
            pass
        return (
            f"grouping one arriving face: p50 {percentile(times, 0.5):.1f} ms, "
            f"p95 {percentile(times, 0.95):.1f} ms ({len(times)} faces, rolled back)"
        )
