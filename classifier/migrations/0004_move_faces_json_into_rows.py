"""Copy each prediction's faces JSON into Face rows. Faces stored as JSON have no embedding.

JSON from before the three answers has ``confidence`` and ``probabilities`` instead of
``score`` and ``candidate``: its candidate is the most probable athlete, its score that
probability (not a cosine, but the number its users were shown)."""

from django.db import migrations

BATCH = 500


def most_probable(face: dict) -> str:
    probabilities = face.get("probabilities") or {}
    if probabilities:
        return max(probabilities, key=probabilities.get)
    return face.get("label", "unknown")


def faces_to_rows(apps, schema_editor) -> None:
    Prediction = apps.get_model("classifier", "Prediction")
    Face = apps.get_model("classifier", "Face")
    rows = []
    for pk, faces in Prediction.objects.exclude(faces_json=[]).values_list("pk", "faces_json"):
        for position, face in enumerate(faces or []):
            x, y, width, height = (max(0, int(value)) for value in face["box"])
            rows.append(
                Face(
                    prediction_id=pk,
                    position=position,
                    x=x,
                    y=y,
                    width=width,
                    height=height,
                    label=face.get("label", "unknown"),
                    candidate=face.get("candidate") or most_probable(face),
                    score=float(face.get("score", face.get("confidence")) or 0.0),
                    needs_review=bool(face.get("needs_review", False)),
                    detection_confidence=face.get("detection_confidence"),
                )
            )
        if len(rows) >= BATCH:
            Face.objects.bulk_create(rows)
            rows = []
    Face.objects.bulk_create(rows)


def rows_to_faces(apps, schema_editor) -> None:
    Prediction = apps.get_model("classifier", "Prediction")
    Face = apps.get_model("classifier", "Face")
    faces: dict = {}
    for face in Face.objects.order_by("prediction_id", "position").values():
        faces.setdefault(face["prediction_id"], []).append(
            {
                "box": [face["x"], face["y"], face["width"], face["height"]],
                "label": face["label"],
                "candidate": face["candidate"],
                "score": face["score"],
                "needs_review": face["needs_review"],
                "detection_confidence": face["detection_confidence"],
            }
        )
    for pk, stored in faces.items():
        Prediction.objects.filter(pk=pk).update(faces_json=stored)


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0003_faces_as_rows"),
    ]

    operations = [migrations.RunPython(faces_to_rows, rows_to_faces)]
