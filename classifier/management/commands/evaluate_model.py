"""manage.py evaluate_model VERSION --dev DIR: measure a model version on a dev set and keep the
report, so the model pages of every machine show it."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from classifier.models import ModelVersion
from ml.errors import ModelError


class Command(BaseCommand):
    help = "Evaluate a model version on a dev folder (athletes, others/, groups/) and keep it."

    def add_arguments(self, parser):
        parser.add_argument("version")
        parser.add_argument("--dev", type=Path, required=True, help="the dev set's folder")

    def handle(self, *args, version: str, dev: Path, **options):
        from ml.det import save_det_plot  # the recognizer and plots: only in this command
        from ml.dev_evaluation import evaluate_dev, print_report
        from ml.predictor import Predictor

        model_version = ModelVersion.objects.filter(
            version=version, status=ModelVersion.Status.READY
        ).first()
        if model_version is None:
            raise CommandError(f"No ready model version {version!r}.")
        try:
            predictor = Predictor.load(model_version.local_dir(), settings.ATHLETES_FACENET_WEIGHTS)
            report = evaluate_dev(predictor, dev)
        except ModelError as exc:
            raise CommandError(str(exc)) from exc
        with tempfile.TemporaryDirectory() as folder:
            plot = Path(folder) / "det.png"
            save_det_plot(report.det, plot)
            model_version.record_dev_report(report, plot.read_bytes())
        print_report(report)
        self.stdout.write(f"Kept the dev report of {version}; the model pages show it.")
