"""manage.py ingest DIR [--event EVENT] [--watch]: upload every new photo of a folder once."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from classifier.desk.ingest import Ingest
from classifier.models import Event


def find_event(value: str) -> Event:
    """An event by its id or its exact name."""
    events = list(
        Event.objects.filter(pk=value) if value.isdigit() else Event.objects.filter(name=value)
    )
    if not events:
        raise CommandError(f'No event "{value}": create it in the admin, or give its id.')
    if len(events) > 1:
        ids = ", ".join(str(event.pk) for event in events)
        raise CommandError(f'Several events are called "{value}"; give one id: {ids}.')
    return events[0]


class Command(BaseCommand):
    help = (
        "Upload every photo of a folder that this event has not seen (by content), with "
        "progress; --watch keeps looking for new ones (a hot folder)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--event", help="the event's id or exact name")
        parser.add_argument("--user", help="the username the uploads are made as")
        parser.add_argument("--watch", action="store_true", help="keep watching the folder")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="seconds between looks (--watch)"
        )

    def handle(self, *args, directory: Path, event, user, watch, interval, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        uploader = None
        if user:
            uploader = get_user_model().objects.filter(username=user).first()
            if uploader is None:
                raise CommandError(f'No user "{user}".')
        ingest = Ingest(
            directory,
            event=find_event(event) if event else None,
            uploader=uploader,
            report=self.stdout.write,
        )
        self.stdout.write(f"{ingest.run_once()}.")
        if watch:
            self.stdout.write(f"Watching {directory} for new photos; Ctrl-C stops.")
            try:
                ingest.watch(interval)
            except KeyboardInterrupt:
                self.stdout.write("Stopped.")
