"""Re-run history with another version without losing reviews: versions differ in their
centroids and lines (the detector and FaceNet's weights are the same), so each stored face
keeps its box, embedding and reviews and is named again from its embedding; the photo's
answer follows, reviewed faces keeping the reviewer's. A face embedded by FaceNet in float32
(under a model made before dynamic-int8) is named from that embedding, within a cosine of
0.004 of what dynamic-int8 would give (docs/benchmarks.md, "FaceNet in 8 bits")."""

from dataclasses import replace
from functools import partial
from typing import Literal

import numpy as np
from django.db import transaction

from classifier.models import Face, ModelVersion, Person, Prediction, PredictionQuerySet
from classifier.models.drawing import redraw_annotated
from classifier.models.versions import Rerun
from ml.artifact import load_recognizer

NAMED_FIELDS = ["label", "candidate", "score", "needs_review"]


def rerun(predictions: PredictionQuerySet, model_version: ModelVersion) -> None:
    """Name the faces of every finished prediction in ``predictions`` with ``model_version``,
    one photo per transaction, recording progress on the version's ``rerun``. A photo with a
    face stored before faces had embeddings cannot be named again: it is counted as skipped."""
    recognizer = load_recognizer(model_version.local_dir(), model_version.artifact_manifest)
    ids = list(predictions.filter(status=Prediction.Status.DONE).values_list("pk", flat=True))
    started = model_version.last_rerun or Rerun("running")
    done = skipped = 0

    def report(status: Literal["running", "finished"]) -> None:
        model_version.record_rerun(
            replace(started, status=status, total=len(ids), done=done, skipped=skipped)
        )

    report("running")
    for number, pk in enumerate(ids, start=1):
        faces = list(Face.objects.filter(prediction_id=pk).order_by("position"))
        vectors = [vector for face in faces if (vector := face.vector) is not None]
        if len(vectors) < len(faces):
            skipped += 1
        else:
            with transaction.atomic():
                if faces:
                    for face, naming in zip(faces, recognizer.name(np.stack(vectors)), strict=True):
                        for field in NAMED_FIELDS:
                            setattr(face, field, getattr(naming, field))
                    Face.objects.bulk_update(faces, NAMED_FIELDS)
                    Person.objects.settle(
                        Face.objects.filter(prediction_id=pk).select_related("prediction", "review")
                    )
                prediction = Prediction.objects.select_related("model_version").get(pk=pk)
                Prediction.objects.filter(pk=pk).update(model_version=model_version)
                prediction.model_version = model_version
                prediction.refresh_answer()
                transaction.on_commit(partial(redraw_annotated, prediction), robust=True)
            done += 1
        if number % 50 == 0:
            report("running")
    report("finished")
