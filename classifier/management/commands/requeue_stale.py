"""manage.py requeue_stale: enqueue again the predictions whose task was lost."""

from django.core.management.base import BaseCommand

from classifier.tasks import requeue_stale_predictions


class Command(BaseCommand):
    help = "Re-enqueue predictions queued too long or running past the time limit."

    def handle(self, *args, **options):
        self.stdout.write(f"{requeue_stale_predictions()} predictions re-enqueued.")
