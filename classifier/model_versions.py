"""Model versions from artifacts: register a trained directory, or train one and register it.

Training loads TensorFlow, so ``ml.training`` is imported inside ``train_and_register``
(called by management commands only) and importing this module stays light."""

from pathlib import Path

from django.conf import settings
from django.core.files import File

from classifier.models import Athlete, ModelVersion
from ml.artifact import CONFUSION_PLOT, Manifest


def stored_path(model_dir: Path) -> str:
    """Relative to ATHLETES_MODELS_DIR when inside it, so the folder can move as a whole."""
    model_dir = model_dir.resolve()
    try:
        return str(model_dir.relative_to(Path(settings.ATHLETES_MODELS_DIR).resolve()))
    except ValueError:
        return str(model_dir)


def register(model_dir: Path) -> ModelVersion:
    """The ModelVersion for the artifact in ``model_dir``, created on first sight.

    Its athletes are created too, with the artifact's display names.
    """
    manifest = Manifest.read(model_dir)
    model_version, created = ModelVersion.objects.get_or_create(
        version=manifest.version,
        defaults={
            "path": stored_path(model_dir),
            "manifest": manifest.to_dict(),
            "metrics": manifest.metrics,
        },
    )
    plot = model_dir / CONFUSION_PLOT
    if created and plot.is_file():
        with plot.open("rb") as f:
            model_version.confusion_matrix.save(f"{model_version.version}-confusion.png", File(f))
    Athlete.objects.ensure(manifest.labels, manifest.display_names)
    return model_version


def train_and_register(data_dir: Path, *, seed: int = 0) -> ModelVersion:
    """Athletes already known keep the display names the admin gave them."""
    from ml.training import train

    models_dir = Path(settings.ATHLETES_MODELS_DIR)
    models_dir.mkdir(parents=True, exist_ok=True)
    model_dir = train(
        data_dir,
        models_dir,
        weights=settings.ATHLETES_FACENET_WEIGHTS,
        seed=seed,
        display_names=Athlete.objects.display_names(),
    )
    return register(model_dir)
