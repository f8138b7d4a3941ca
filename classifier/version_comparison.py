"""Before activating a version: how its answers on recently reviewed faces differ from the active
version's, for better and for worse. Only the stored embeddings are named again (no photo is
read, no network runs), so this runs in the web process in milliseconds; the versions' artifacts
come from storage like a worker's, so a web machine needs no shared folder."""

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from classifier.models import Face, ModelVersion, Prediction
from ml.artifact import load_recognizer


@dataclass(frozen=True)
class Change:
    """A reviewed face whose answer the candidate version changes, and its photo's id (None
    for a caller who may not list that photo)."""

    prediction: str | None
    reviewed: str
    before: str
    after: str


@dataclass(frozen=True)
class Comparison:
    """Both versions' answers on the last reviewed faces, against the reviewers' labels."""

    against: str
    faces: int
    changes: list[Change] = field(default_factory=list)
    better: int = 0
    worse: int = 0
    right_before: int = 0
    right_after: int = 0

    @property
    def changed(self) -> int:
        return len(self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "changed": self.changed}

    def shown_to(self, user, visitor: str = "") -> "Comparison":
        """The comparison with only the photo ids ``user`` may list
        (``PredictionQuerySet.visible_to``): seeing a version's figures is no way to find
        other people's photos."""
        ids = [change.prediction for change in self.changes if change.prediction]
        visible = Prediction.objects.visible_to(user, visitor).filter(pk__in=ids)
        shown = {str(pk) for pk in visible.values_list("pk", flat=True)}
        changes = [
            replace(change, prediction=change.prediction if change.prediction in shown else None)
            for change in self.changes
        ]
        return replace(self, changes=changes)


def answers(model_version: ModelVersion, embeddings: np.ndarray) -> list[str]:
    """What the version names each face, judged alone (not beside its photo's other faces)."""
    recognizer = load_recognizer(model_version.local_dir(), model_version.artifact_manifest)
    return [recognizer.name(row[np.newaxis])[0].label for row in embeddings]


def compare(candidate: ModelVersion, active: ModelVersion, last: int) -> Comparison:
    """Both versions' answers on the ``last`` reviewed faces, against the reviewers' labels."""
    reviewed = [(face, face.vector) for face in Face.objects.reviewed()[:last]]
    faces = [face for face, vector in reviewed if vector is not None]
    if not faces:
        return Comparison(against=active.version, faces=0)
    embeddings = np.stack([vector for _, vector in reviewed if vector is not None])
    truth = [face.review.label for face in faces if face.review is not None]
    before, after = answers(active, embeddings), answers(candidate, embeddings)
    rows = list(zip(faces, truth, before, after, strict=True))
    return Comparison(
        against=active.version,
        faces=len(faces),
        changes=[
            Change(str(face.prediction_id), right, old, new)
            for face, right, old, new in rows
            if old != new
        ],
        better=sum(old != right and new == right for _, right, old, new in rows),
        worse=sum(old == right and new != right for _, right, old, new in rows),
        right_before=sum(old == right for _, right, old, _ in rows),
        right_after=sum(new == right for _, right, _, new in rows),
    )
