"""Model versions from artifacts: register a trained directory, or train one and register it;
and give a worker the artifact of a version on its own disk.

Registering stores the artifact folder as a zip in the site's storage (a bucket when several
machines share the work) with its sha256, so a worker on any machine fetches it by version,
checks it, and unpacks it once into its local cache: no shared filesystem is needed.

Training loads TensorFlow, so ``ml.training`` is imported inside the functions that train
(called by management commands and the worker only) and importing this module stays light."""

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from classifier.models import Athlete, Example, Face, ModelVersion
from ml.artifact import CONFUSION_PLOT, HELD_OUT_DET_PLOT, Manifest
from ml.dataset import Box
from ml.errors import ModelError


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
    with transaction.atomic():
        model_version, created = ModelVersion.objects.get_or_create(
            version=manifest.version,
            defaults={
                "path": stored_path(model_dir),
                "manifest": manifest.to_dict(),
                "metrics": manifest.metrics,
            },
        )
        if created:
            store_artifact(model_version, model_dir)
    Athlete.objects.ensure(manifest.labels, manifest.display_names)
    return model_version


def store_artifact(model_version: ModelVersion, model_dir: Path) -> None:
    """Keep the artifact as a zip in the site's storage, with its sha256, so that a worker on
    any machine can fetch it (``local_model_dir``); and its plots for the pages that show it."""
    archive = pack(model_dir)
    model_version.archive_sha256 = hashlib.sha256(archive).hexdigest()
    model_version.archive.save(f"{model_version.version}.zip", ContentFile(archive))
    plots = [
        (CONFUSION_PLOT, model_version.confusion_matrix, "confusion"),
        (HELD_OUT_DET_PLOT, model_version.held_out_det_curve, "held-out-det"),
    ]
    for name, field, suffix in plots:
        if (model_dir / name).is_file():
            with (model_dir / name).open("rb") as f:
                field.save(f"{model_version.version}-{suffix}.png", File(f))


def train_and_register(data_dir: Path, *, seed: int = 0) -> ModelVersion:
    """Train on ``data_dir`` and the site's reviewed faces, as the worker does; athletes
    already known keep the display names the admin gave them."""
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
    )
    return register(model_dir)


def pack(model_dir: Path) -> bytes:
    """The artifact folder as a zip of its files, in a fixed order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(model_dir.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(model_dir).as_posix())
    return buffer.getvalue()


def local_model_dir(model_version: ModelVersion) -> Path:
    """The version's artifact folder on this machine.

    Fetched from storage the first time, checked against its sha256, and unpacked under a
    temporary name that is renamed into ``ATHLETES_MODEL_CACHE``, so a process never sees half
    a folder and two processes fetching at once both end with the same one. A version
    registered before archives existed is read where it was trained.
    """
    if not model_version.archive:
        return model_version.model_dir
    cache = Path(settings.ATHLETES_MODEL_CACHE)
    target = cache / f"{model_version.version}-{model_version.archive_sha256[:12]}"
    if target.is_dir():
        return target
    try:
        with model_version.archive.open("rb") as stored:
            data = stored.read()
    except FileNotFoundError as error:  # not a passing fault: no retry would find it
        raise ModelError(
            f"The stored archive of model version {model_version.version} "
            f"({model_version.archive.name}) is missing; register the version again."
        ) from error
    if hashlib.sha256(data).hexdigest() != model_version.archive_sha256:
        raise ModelError(
            f"The stored archive of model version {model_version.version} does not match its "
            "checksum; register the version again."
        )
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=cache))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(partial)
        os.rename(partial, target)
    except OSError:
        if not target.is_dir():  # not a lost race with another process: a real failure
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


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
    enrolled examples, the training folder and the reviewed faces, and make it ready."""
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
            version=model_version.version,
            progress=lambda done, total: model_version.set_progress(5 + 85 * done // total),
            boxes=boxes,
        )
    manifest = Manifest.read(model_dir)
    model_version.path = stored_path(model_dir)
    model_version.manifest = manifest.to_dict()
    model_version.metrics = manifest.metrics
    model_version.status, model_version.progress = ModelVersion.Status.READY, 100
    model_version.save()
    store_artifact(model_version, model_dir)
    Athlete.objects.ensure(manifest.labels, manifest.display_names)
    return model_version
