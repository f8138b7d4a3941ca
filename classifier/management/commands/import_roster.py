"""manage.py import_roster PATH: enrol a roster from a server folder, a zip or a table, here
rather than in the worker, printing the report."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classifier.models import RosterImport
from classifier.worker import roster_import


class Command(BaseCommand):
    help = (
        "Enrol the people and photos of a roster: a folder or zip laid out <Person_Name>/<photos> "
        "or holding a roster.csv / roster.json, or a CSV / JSON table whose photos are URLs. "
        "Importing again adds only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--train", action="store_true", help="queue a training once the import is done"
        )

    def handle(self, *args, path: Path, train: bool, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        done = RosterImport.objects.create(source_name=path.name, train=train)
        done.claim()
        roster_import.run(done, path.resolve())
        done.refresh_from_db()
        if done.status == RosterImport.Status.FAILED:
            raise CommandError(done.error)
        for problem in done.problems:
            self.stdout.write(f"skipped: {problem}")
        for entry in done.report:
            for problem in entry["problems"]:
                self.stdout.write(f"{entry['name']}: {problem}")
        self.stdout.write(
            f"{done.people_done} people ({done.new_people()} new), {done.photos_added} photos "
            f"added, {done.problem_count} problems."
            + (f" Training {done.model_version.version}." if done.model_version else "")
        )
