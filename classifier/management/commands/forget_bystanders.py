"""manage.py forget_bystanders: clear the embeddings of faces nobody named, once their photos
are older than ATHLETES_BYSTANDER_RETENTION_DAYS (beat runs it daily). Safe to run again."""

from django.conf import settings
from django.core.management.base import BaseCommand

from classifier.models.people import forget_bystanders


class Command(BaseCommand):
    help = (
        "Clear the embeddings of faces nobody named from photos older than "
        "ATHLETES_BYSTANDER_RETENTION_DAYS (0 keeps them)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.ATHLETES_BYSTANDER_RETENTION_DAYS,
            help="photos older than this many days (default: ATHLETES_BYSTANDER_RETENTION_DAYS)",
        )

    def handle(self, *args, days: int, **options):
        if days <= 0:
            self.stdout.write("Retention is off (0 days): every embedding is kept.")
            return
        forgotten = forget_bystanders(days)
        self.stdout.write(
            f"Cleared the embeddings of {forgotten} faces nobody named, from photos uploaded "
            f"more than {days} days ago."
        )
