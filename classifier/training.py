"""Train a model through ``ml.training`` and register it. For management commands only:
importing ``ml.training`` loads TensorFlow, so it happens inside the function."""

from pathlib import Path

from django.conf import settings

from classifier.model_versions import register
from classifier.models import Athlete, ModelVersion


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
