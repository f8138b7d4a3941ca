"""manage.py requeue_stale: enqueue again the predictions and examples whose task was lost."""

from django.core.management.base import BaseCommand

from classifier.models import Example, Prediction


class Command(BaseCommand):
    help = (
        "Re-enqueue predictions queued too long or running past the time limit, and examples "
        "waiting too long for their faces."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{Prediction.objects.requeue_stale()} predictions re-enqueued.")
        self.stdout.write(f"{Example.objects.requeue_stale()} examples re-enqueued.")
