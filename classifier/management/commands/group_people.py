"""manage.py group_people: group the unknown faces that have no group yet (the backfill after
upgrading to People kept as faces arrive), and save the nearest-faces index for every process
to start from. Safe to run again: it picks up only what is waiting."""

import time

from django.core.management.base import BaseCommand

from classifier.models import Person
from classifier.models.face_index import save_snapshot


class Command(BaseCommand):
    help = "Group the unknown faces that have no group yet, and save the face index."

    def handle(self, *args, **options):
        started = time.perf_counter()
        indexed = save_snapshot()
        self.stdout.write(f"Indexed {indexed} faces in {time.perf_counter() - started:.1f} s.")
        started = time.perf_counter()
        grouped = Person.objects.group_waiting()
        shown = Person.objects.shown().count()
        self.stdout.write(
            f"Grouped {grouped} unknown faces in {time.perf_counter() - started:.1f} s; "
            f"{shown} groups of two or more."
        )
