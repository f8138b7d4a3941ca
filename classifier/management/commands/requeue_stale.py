"""manage.py requeue_stale: enqueue again the predictions whose task was lost."""

from django.core.management.base import BaseCommand

from classifier.models import Prediction


class Command(BaseCommand):
    help = "Re-enqueue predictions queued too long or running past the time limit."

    def handle(self, *args, **options):
        self.stdout.write(f"{Prediction.objects.requeue_stale()} predictions re-enqueued.")
