"""manage.py train_model --data DIR [--activate]: train a model and register it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classifier.worker.training import train_and_register
from ml.errors import ModelError


class Command(BaseCommand):
    help = "Train a model from a <label>/<photos> folder and register it as a model version."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, required=True, help="<label>/<photos> folder")
        parser.add_argument("--activate", action="store_true", help="make it the active model")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, data: Path, activate: bool, seed: int, **options):
        if not data.is_dir():
            raise CommandError(f"{data} is not a folder.")
        try:
            model_version = train_and_register(data, seed=seed)
        except ModelError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Registered model version {model_version}.")
        if activate:
            model_version.activate()
            self.stdout.write(f"Version {model_version} is now active.")
