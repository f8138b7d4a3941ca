"""manage.py activate_model VERSION: make a registered model version the active one."""

from django.core.management.base import BaseCommand, CommandError

from classifier.models import CannotServe, ModelVersion


class Command(BaseCommand):
    help = "Activate a model version; workers use it from their next task."

    def add_arguments(self, parser):
        parser.add_argument("version")

    def handle(self, *args, version: str, **options):
        try:
            model_version = ModelVersion.objects.get(version=version)
        except ModelVersion.DoesNotExist as exc:
            known = ", ".join(ModelVersion.objects.values_list("version", flat=True)) or "none"
            raise CommandError(f"No model version {version!r}. Known: {known}.") from exc
        try:
            model_version.activate()
        except CannotServe as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Version {version} is now active.")
