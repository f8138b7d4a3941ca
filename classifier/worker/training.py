"""Train a model version in the worker (or from a management command) and register it.

Training loads TensorFlow, so ``ml.training`` is imported inside the functions that train
(called by management commands and the worker only) and importing this module stays light."""

import tempfile
from pathlib import Path

from django.conf import settings

from classifier.models import Athlete, Example, Face, ModelVersion
from ml.dataset import Box


def train_and_register(data_dir: Path, *, seed: int = 0) -> ModelVersion:
    """Train on ``data_dir`` and the site's reviewed faces, as the worker does; athletes
    already known keep the display names the admin gave them, and those with too few faces
    are left out (``classifier.models.readiness``)."""
    from ml.training import train

    models_dir = Path(settings.ATHLETES_MODELS_DIR)
    models_dir.mkdir(parents=True, exist_ok=True)
    model_dir = train(
        data_dir,
        models_dir,
        weights=settings.ATHLETES_FACENET_WEIGHTS,
        seed=seed,
        display_names=Athlete.objects.display_names(),
        reviewed=Face.objects.training_faces(),
        athletes=list(Athlete.objects.values_list("label", flat=True)),
        leave_out_too_few=True,
    )
    return ModelVersion.objects.register(model_dir)


def training_folder(root: Path) -> dict[Path, Box]:
    """Lay out every usable enrolled example (``ExampleQuerySet.training_boxes``) as
    ``<root>/<label>/<photo>``, beside the athletes of the deployment's own training folder
    (``ATHLETES_SAMPLE_DATA``) that have no enrolled examples; return where the athlete's face
    is in the examples where it was chosen, for ``ml.training.train``'s ``boxes``."""
    root.mkdir(parents=True, exist_ok=True)
    sample = Path(settings.ATHLETES_SAMPLE_DATA)
    if sample.is_dir():
        for folder in sorted(p for p in sample.iterdir() if p.is_dir()):
            (root / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
    boxes = Example.objects.training_boxes()
    chosen: dict[Path, Box] = {}
    for example in Example.objects.filter(pk__in=boxes).select_related("athlete"):
        folder = root / example.athlete.label
        if folder.is_symlink():  # enrolled examples replace the folder's photos
            folder.unlink()
        folder.mkdir(exist_ok=True)
        path = folder / f"{example.pk}{Path(str(example.image.name)).suffix}"
        # Copied, not linked: the photo may live in a bucket, not on this disk.
        with example.image.open("rb") as stored:
            path.write_bytes(stored.read())
        if (box := boxes[example.pk]) is not None:
            chosen[path] = box
    return chosen


def train_version(model_version: ModelVersion) -> ModelVersion:
    """Train the version the web started (``ModelVersionQuerySet.start_training``) from the
    enrolled examples, the training folder and the reviewed faces (which alone train an
    athlete named on People), and make it ready; an athlete with too few faces is left out,
    and the version's manifest says so."""
    from ml.training import train

    model_version.set_progress(5)
    models_dir = Path(settings.ATHLETES_MODELS_DIR)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        boxes = training_folder(Path(root))
        model_dir = train(
            Path(root),
            models_dir,
            weights=settings.ATHLETES_FACENET_WEIGHTS,
            display_names=Athlete.objects.display_names(),
            reviewed=Face.objects.training_faces(),
            athletes=list(Athlete.objects.values_list("label", flat=True)),
            leave_out_too_few=True,
            version=model_version.version,
            progress=lambda done, total: model_version.set_progress(5 + 85 * done // total),
            boxes=boxes,
        )
    return ModelVersion.objects.register(model_dir)
