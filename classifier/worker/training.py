"""Train a model version in the worker (or from a management command) and register it.

Training loads LiteRT, so the networks and ``ml.training`` are imported inside the functions
that train (called by management commands and the worker only) and importing this module
stays light."""

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

from classifier.models import Athlete, Example, Face, ModelVersion
from classifier.models.readiness import training_folder_photos
from ml.dataset import LabelledPhoto

if TYPE_CHECKING:
    from ml.features import PhotoEmbeddings

# Cross-validation folds for the version's figures, ``ml.training.train``'s default.
CV_FOLDS = 5


def train_and_register(data_dir: Path, *, seed: int = 0) -> ModelVersion:
    """Train on the photos of ``data_dir`` and the site's reviewed faces (``manage.py
    train_model``, ``bootstrap``); unlike the site's training (``train_version``), not on the
    enrolled examples and against no cohort. Athletes already known keep the display names the
    admin gave them, and those with too few faces are left out."""
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


def training_photos(root: Path, progress: Callable[[int, int], None]) -> list["PhotoEmbeddings"]:
    """Every trainable example (``ExampleQuerySet.training_boxes``) and the training folder's
    photos of the athletes who have none (``training_folder_photos``), as training reads
    them. An example the worker found faces in is read from its stored embeddings, the face
    chosen as the athlete's, and its photo is never opened (it may be gone); any other (still
    waiting for the worker, or stored without embeddings) is copied under ``root`` and
    embedded, as the folder's photos are (``progress`` hears about those)."""
    from ml.features import PhotoEmbeddings, embed_photos

    boxes = Example.objects.training_boxes()
    stored, to_embed = [], []
    examples = Example.objects.filter(pk__in=boxes).select_related("athlete")
    for example in examples.prefetch_related("faces"):
        faces = list(example.faces.all())
        vectors = [vector for face in faces if (vector := face.vector) is not None]
        if example.chosen_id is None or len(vectors) < len(faces):
            to_embed.append(example)
            continue
        chosen = [face.pk for face in faces].index(example.chosen_id)
        name = f"{example.original_name} (example {example.pk})"
        stored.append(
            PhotoEmbeddings.stored(name, example.athlete.label, np.stack(vectors), chosen)
        )
    photos = training_folder_photos()
    for example in to_embed:
        path = root / example.athlete.label / f"{example.pk}{Path(str(example.image.name)).suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Copied, not linked: the photo may live in a bucket, not on this disk.
        with example.image.open("rb") as kept:
            path.write_bytes(kept.read())
        photos.append(LabelledPhoto(path, example.athlete.label, boxes[example.pk]))
    if not photos:
        return stored
    from ml.embedder import Embedder
    from ml.faces import FaceDetector

    embedder = Embedder(settings.ATHLETES_FACENET_WEIGHTS)
    return stored + embed_photos(photos, FaceDetector(), embedder, progress)


def training_cohort() -> np.ndarray | None:
    """Faces of people probably not enrolled, which training normalises scores against: the
    archive's faces nobody knows (``FaceQuerySet.cohort``) and every face of the photos in
    ATHLETES_COHORT_DIR (embedded once, ``ml.embedding_cache``); None without any."""
    parts = [np.stack(faces)] if (faces := Face.objects.cohort()) else []
    if settings.ATHLETES_COHORT_DIR is not None:
        from ml.league import load_cohort

        folder = settings.ATHLETES_COHORT_DIR
        parts.append(load_cohort(folder, weights=settings.ATHLETES_FACENET_WEIGHTS))
    return np.concatenate(parts).astype(np.float32) if parts else None


def train_version(model_version: ModelVersion) -> ModelVersion:
    """Train the version the web started (``ModelVersionQuerySet.start_training``) from the
    enrolled examples' stored embeddings, the training folder and the reviewed faces (which
    alone train an athlete named on People), against the cohort of strangers' faces, and
    make it ready; an athlete with too few faces is left out, and the version says so."""
    from ml.training import train_embedded
    from ml.weights import NETWORK

    model_version.set_progress(5)
    models_dir = Path(settings.ATHLETES_MODELS_DIR)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        embedded = training_photos(
            Path(root), lambda done, total: model_version.set_progress(5 + 80 * done // total)
        )
    model_dir = train_embedded(
        embedded,
        models_dir,
        network=NETWORK,  # the worker's, which stored the examples' embeddings
        cohort=training_cohort(),
        display_names=Athlete.objects.display_names(),
        reviewed=Face.objects.training_faces(),
        athletes=list(Athlete.objects.values_list("label", flat=True)),
        leave_out_too_few=True,
        cv_folds=CV_FOLDS,
        version=model_version.version,
    )
    return ModelVersion.objects.register(model_dir)
