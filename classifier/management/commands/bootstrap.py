"""manage.py bootstrap: make sure a fresh site has athletes and an active model.

Idempotent, so the run script calls it every time (after ``migrate``): it trains only when no
model version is active, from ATHLETES_SAMPLE_DATA.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classifier.models import Athlete, ModelVersion
from classifier.worker.training import train_and_register
from ml.errors import ModelError
from ml.sample_data import sample_display_names


class Command(BaseCommand):
    help = "Create athletes and train and activate a first model, if none is active."

    def handle(self, *args, **options):
        active = ModelVersion.objects.active()
        if active is not None:
            self.stdout.write(f"Model version {active} is active; nothing to do.")
            return
        latest = ModelVersion.objects.first()
        if latest is not None:
            latest.activate()
            self.stdout.write(f"Activated the latest registered model version, {latest}.")
            return
        data = settings.ATHLETES_SAMPLE_DATA
        if not data.is_dir():
            raise CommandError(
                f"No model is active and the sample data folder {data} does not exist: "
                "set ATHLETES_SAMPLE_DATA to a <label>/<photos> folder."
            )
        try:
            labels = Athlete.labels_in(data)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        Athlete.objects.ensure(labels, sample_display_names())
        self.stdout.write(f"Training a first model from {data}...")
        try:
            model_version = train_and_register(data)
        except ModelError as exc:
            raise CommandError(str(exc)) from exc
        model_version.activate()
        self.stdout.write(f"Model version {model_version} trained and active.")
