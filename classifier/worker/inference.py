"""Run the recognizer on one prediction. Called by the Celery task, in a worker child process.

The predictor (BlazeFace and FaceNet on LiteRT, the athletes' centroids) is loaded in each worker
child right after it is forked (``preload``, from ``worker_process_init``), warmed up, and kept
for the life of the process. Every task first asks the database which model version is active
and reloads only when that changed, so an admin's activation applies to the next task without
restarting the worker.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError

from classifier.models import ModelVersion, Person, Prediction
from classifier.models.drawing import store_drawing
from ml.errors import ModelError
from ml.imaging import load_image

logger = logging.getLogger(__name__)

# {version: predictor}: the one model this process has loaded.
_loaded: dict = {}


def load_predictor(model_version: ModelVersion):
    """The predictor for ``model_version``, loading it (and LiteRT) only when needed."""
    predictor = _loaded.get(model_version.version)
    if predictor is None:
        from ml.predictor import Predictor  # loads LiteRT and the networks: only in a worker child

        _loaded.clear()
        model_dir = model_version.local_dir()
        predictor = Predictor.load(model_dir, settings.ATHLETES_FACENET_WEIGHTS)
        predictor.warm_up()
        _loaded[model_version.version] = predictor
    return predictor


def preload() -> None:
    """Load and warm the active model in a new worker child, before its first task arrives."""
    model_version = ModelVersion.objects.active()
    if model_version is not None:
        load_predictor(model_version)


def run(prediction: Prediction) -> None:
    """Predict, draw the boxes, and store the result on the (claimed) prediction."""
    started = time.perf_counter()
    model_version = ModelVersion.objects.active()
    if model_version is None:
        raise ModelError("No model is active yet: an admin must train or activate one.")
    predictor = load_predictor(model_version)
    loaded = time.perf_counter()

    with prediction.image.open("rb") as stored:
        image = load_image(stored.read()).image
    event = prediction.event
    result, embeddings = predictor.analyse(image, allowed=event.roster() if event else None)

    annotated_name = store_drawing(prediction, image, result, model_version.display_names)

    timings = {
        **result.timings,
        "queue_ms": round(
            (
                (prediction.started_at or prediction.created_at) - prediction.created_at
            ).total_seconds()
            * 1000
        ),
        "model_load_ms": round((loaded - started) * 1000),
        "worker_ms": round((time.perf_counter() - started) * 1000),
    }
    saved = prediction.mark_done(
        result,
        embeddings,
        timings=timings,
        model_version=model_version,
        annotated=annotated_name,
    )
    if not saved:  # another delivery took the row over; keep no orphan file
        prediction.annotated.storage.delete(annotated_name)
        return
    try:
        Person.objects.settle(prediction.faces.select_related("prediction", "review"))
    except (DatabaseError, RuntimeError, ValueError):
        # The photo is done; its unknown faces wait for the beat task to group them.
        logger.exception(
            "Grouping the faces of %s failed; they wait for group_people.", prediction.pk
        )
