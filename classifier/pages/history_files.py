"""The history as a file: CSV with one row per face (a photo without faces gets one row), or
JSON with the API's representation of each photo, faces included."""

import io
import json

from django.http import HttpRequest

from classifier.api.serializers import PredictionSerializer
from classifier.desk.csv_files import SafeWriter
from classifier.models import Prediction

PHOTO_COLUMNS = [
    "id", "original_name", "created_at", "status", "label", "confidence", "error", "reviewed",
    "model_version",
]  # fmt: skip
FACE_COLUMNS = [
    "face", "face_label", "face_candidate", "face_score", "face_needs_review", "face_answer",
    "box",
]  # fmt: skip


def photo_row(prediction: Prediction) -> list:
    return [
        prediction.pk, prediction.original_name, prediction.created_at.isoformat(),
        prediction.status, prediction.label, prediction.confidence, prediction.error,
        prediction.is_reviewed, prediction.model_version or "",
    ]  # fmt: skip


def as_csv(predictions) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(PHOTO_COLUMNS + FACE_COLUMNS)
    for prediction in predictions:
        photo = photo_row(prediction)
        faces = prediction.face_list
        if not faces:
            writer.writerow(photo + [""] * len(FACE_COLUMNS))
        for number, face in enumerate(faces, start=1):
            box = f"{face.x} {face.y} {face.width} {face.height}"
            writer.writerow(
                photo + [
                    number, face.label, face.candidate, face.score, face.needs_review,
                    face.answer, box,
                ]
            )  # fmt: skip
    return out.getvalue()


def as_json(predictions, request: HttpRequest) -> str:
    data = PredictionSerializer(predictions, many=True, context={"request": request}).data
    return json.dumps(data, indent=1, default=str)
