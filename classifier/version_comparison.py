"""Before activating a version: how its answers on recently reviewed faces differ from the active
version's, for better and for worse. Only the stored embeddings are named again (no photo is
read, no network runs), so this runs in the web process in milliseconds; the versions' artifacts
come from storage like a worker's, so a web machine needs no shared folder."""

from typing import Any

import numpy as np

from classifier.models import Face, ModelVersion
from ml.artifact import load_recognizer


def answers(model_version: ModelVersion, embeddings: np.ndarray) -> list[str]:
    """What the version names each face, judged alone (not beside its photo's other faces)."""
    recognizer = load_recognizer(model_version.local_dir(), model_version.artifact_manifest)
    return [recognizer.name(row[np.newaxis])[0].label for row in embeddings]


def compare(candidate: ModelVersion, active: ModelVersion, last: int) -> dict[str, Any]:
    """Both versions' answers on the ``last`` reviewed faces, against the reviewers' labels."""
    reviewed = [(face, face.vector) for face in Face.objects.reviewed()[:last]]
    faces = [face for face, vector in reviewed if vector is not None]
    report: dict[str, Any] = {"against": active.version, "faces": len(faces), "changes": []}
    if not faces:
        return {
            **report,
            "changed": 0,
            "better": 0,
            "worse": 0,
            "right_before": 0,
            "right_after": 0,
        }
    embeddings = np.stack([vector for _, vector in reviewed if vector is not None])
    truth = [face.review.label for face in faces if face.review is not None]
    before, after = answers(active, embeddings), answers(candidate, embeddings)
    for face, right, old, new in zip(faces, truth, before, after, strict=True):
        if old != new:
            report["changes"].append(
                {
                    "prediction": str(face.prediction_id),
                    "reviewed": right,
                    "before": old,
                    "after": new,
                }
            )
    return {
        **report,
        "changed": len(report["changes"]),
        "better": sum(o != t and n == t for t, o, n in zip(truth, before, after, strict=True)),
        "worse": sum(o == t and n != t for t, o, n in zip(truth, before, after, strict=True)),
        "right_before": sum(o == t for t, o in zip(truth, before, strict=True)),
        "right_after": sum(n == t for t, n in zip(truth, after, strict=True)),
    }
