"""manage.py bootstrap: make sure a fresh site has athletes and an active model, and say what
to do next.

Idempotent, so the run script calls it every time (after ``migrate``): it trains only when no
model version is active, from ATHLETES_SAMPLE_DATA. It says which athletes the active model
knows and, while no account may sign in to the admin, how to make one. At verbosity 1 the
native libraries' log lines are kept out of its output (scripts/run also sets LOG_LEVEL).
"""

from contextlib import nullcontext

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from classifier.models import Athlete, ModelVersion
from classifier.worker.training import train_and_register
from ml.errors import ModelError
from ml.native_logs import native_libraries_quiet
from ml.sample_data import sample_display_names


class Command(BaseCommand):
    help = "Create athletes and train and activate a first model, if none is active."

    def handle(self, *args, **options):
        active = self.active_model(options["verbosity"])
        self.stdout.write(f"Model version {active} is active. It knows {active.knows()}.")
        if not get_user_model().objects.filter(is_superuser=True, is_active=True).exists():
            self.stdout.write(
                "No one can sign in to the admin yet: create your account with "
                "`.venv/bin/python manage.py createsuperuser`."
            )

    def active_model(self, verbosity: int) -> ModelVersion:
        active = ModelVersion.objects.active()
        if active is not None:
            return active
        latest = ModelVersion.objects.first()
        if latest is not None:
            latest.activate()
            self.stdout.write(f"Activated the latest registered model version, {latest}.")
            return latest
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
        self.stdout.write(f"Training a first model from {data} (once)...")
        try:
            with native_libraries_quiet() if verbosity < 2 else nullcontext():
                model_version = train_and_register(data)
        except ModelError as exc:
            raise CommandError(str(exc)) from exc
        model_version.activate()
        return model_version
