"""Model versions from artifacts: register a trained directory, or train one and register it.

Training loads TensorFlow, so ``ml.training`` is imported inside the functions that train
(called by management commands and the worker only) and importing this module stays light."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File

from classifier.models import Athlete, Example, Face, ModelVersion
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
    if created:
        save_plot(model_version, model_dir)
    Athlete.objects.ensure(manifest.labels, manifest.display_names)
    return model_version


def save_plot(model_version: ModelVersion, model_dir: Path) -> None:
    plot = model_dir / CONFUSION_PLOT
    if plot.is_file():
        with plot.open("rb") as f:
            model_version.confusion_matrix.save(f"{model_version.version}-confusion.png", File(f))


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


def training_folder(root: Path) -> Path:
    """Lay out every enrolled example as ``<root>/<label>/<photo>`` (links, not copies), beside
    the athletes of the deployment's own training folder (``ATHLETES_SAMPLE_DATA``) that have no
    enrolled examples; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    sample = Path(settings.ATHLETES_SAMPLE_DATA)
    if sample.is_dir():
        for folder in sorted(p for p in sample.iterdir() if p.is_dir()):
            (root / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
    for example in Example.objects.select_related("athlete"):
        folder = root / example.athlete.label
        if folder.is_symlink():  # enrolled examples replace the folder's photos
            folder.unlink()
        folder.mkdir(exist_ok=True)
        source = Path(example.image.path)
        (folder / f"{example.pk}{source.suffix}").symlink_to(source)
    return root


def train_version(model_version: ModelVersion) -> ModelVersion:
    """Train the version the web started (``ModelVersionQuerySet.start_training``) from the
    enrolled examples, the training folder and the reviewers' rejections, and make it ready."""
    from ml.training import train

    model_version.set_progress(5)
    models_dir = Path(settings.ATHLETES_MODELS_DIR)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        model_dir = train(
            training_folder(Path(root)),
            models_dir,
            weights=settings.ATHLETES_FACENET_WEIGHTS,
            display_names=Athlete.objects.display_names(),
            rejected=Face.objects.rejected_embeddings() or None,
            version=model_version.version,
            progress=lambda done, total: model_version.set_progress(5 + 85 * done // total),
        )
    manifest = Manifest.read(model_dir)
    model_version.path = stored_path(model_dir)
    model_version.manifest = manifest.to_dict()
    model_version.metrics = manifest.metrics
    model_version.status, model_version.progress = ModelVersion.Status.READY, 100
    model_version.save()
    save_plot(model_version, model_dir)
    Athlete.objects.ensure(manifest.labels, manifest.display_names)
    return model_version
