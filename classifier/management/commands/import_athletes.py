"""manage.py import_athletes DIR: create an athlete for each <label>/ folder of DIR."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classifier.models import Athlete


class Command(BaseCommand):
    help = "Create athletes from the sub-folders of a <label>/<photos> folder."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        try:
            labels = Athlete.labels_in(directory)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        created = Athlete.objects.ensure(labels)
        self.stdout.write(f"{len(created)} athletes created, {len(labels) - len(created)} existed.")
