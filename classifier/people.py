"""People seen but not known: the history's unknown faces grouped by person, and naming a
group, which enrols that person.

Groups are computed on demand, not cached: a naming shows at once, there is nothing to
invalidate, and the page over the newest ``PEOPLE_FACES`` unknown faces takes under half a
second on a 100,000-photo history (docs/benchmarks.md, "Grouping unknown faces").
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from classifier.models import Face, FaceReview
from ml.clustering import group_faces
from ml.results import UNKNOWN

# The newest unknown faces that are grouped; older ones wait until these are named.
PEOPLE_FACES = 1000


@dataclass(frozen=True)
class Person:
    """Two or more unknown faces that look like one person, each with its photo."""

    faces: list[Face]

    @property
    def count(self) -> int:
        return len(self.faces)


def people_seen(limit: int = PEOPLE_FACES) -> list[Person]:
    """The people among the newest ``limit`` unknown faces, the most often seen first."""
    newest = (
        Face.objects.unknown()
        .select_related("prediction", "review")
        .order_by("-prediction__created_at", "prediction_id", "position")[:limit]
    )
    embedded = [(face, vector) for face in newest if (vector := face.vector) is not None]
    if not embedded:
        return []
    groups = group_faces(np.stack([vector for _, vector in embedded]))
    return [Person([embedded[row][0] for row in group]) for group in groups if len(group) >= 2]


def name_person(faces: Sequence[Face], reviewer, label: str) -> list[FaceReview]:
    """Say these unknown faces are the athlete ``label``: a correction on each, recorded like
    any review (history kept), all or none. Training then takes them as that athlete's."""
    with transaction.atomic():
        return [face.record_review(reviewer, FaceReview.Verdict.CORRECT, label) for face in faces]


def already_named(faces: Sequence[Face]) -> list[Face]:
    """The faces that are somebody known now, which a group naming must not overrule."""
    return [face for face in faces if face.answer != UNKNOWN]
