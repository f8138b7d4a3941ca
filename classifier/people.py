"""People seen but not known, for the People page and API: the groups of unknown faces that
the worker keeps (``classifier.models.people``) read by plain queries, naming a group, which
enrols that person, and "more photos of this person", a face's nearest faces in the archive.

People shows faces from every upload, so it needs both the permission to review and the
permission to see every upload (``may_see_people``).
"""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from classifier.models import Face, FaceReview, Person, Prediction
from classifier.models.face_index import nearest_faces
from ml.neighbours import SCANNED, reranked
from ml.results import UNKNOWN

# Faces of a group that a list shows; the group's own page and API resource show them all.
FACES_SHOWN = 24
# Faces "more photos of this person" shows, nearest first, found among the index's
# ``SCANNED`` nearest in the photos the user may see.
MORE_PHOTOS = 24

PERMISSIONS = ("classifier.review_prediction", "classifier.view_prediction")
WHY_NOT = "People needs the permissions to review and to see every upload."


def may_see_people(user) -> bool:
    return user.has_perms(PERMISSIONS)


# What People shows of a face and its photo. A list shows hundreds of faces: reading their
# embeddings and their photos' other columns too took 17 of its 158 ms (docs/benchmarks.md).
SHOWN_COLUMNS = (
    *("person", "x", "y", "width", "height", "candidate", "score", "prediction"),
    *("prediction__image", "prediction__original_name", "prediction__created_at"),
    *("prediction__width", "prediction__height"),
)


def group_faces() -> QuerySet[Face]:
    """A group's faces as People shows them, with their photo, oldest upload first."""
    return (
        Face.objects.select_related("prediction")
        .only(*SHOWN_COLUMNS)
        .order_by("prediction__created_at", "pk")
    )


def people_shown(hidden: bool = False) -> QuerySet[Person]:
    """The groups of two or more faces (or those staff hid), biggest first, each with its
    first ``FACES_SHOWN`` faces prefetched as ``shown_faces``."""
    return Person.objects.shown(hidden).prefetch_related(
        Prefetch("faces", group_faces()[:FACES_SHOWN], to_attr="shown_faces")
    )


def more_photos(face: Face, user) -> list[tuple[Face, float]]:
    """The faces nearest ``face`` in the archive, in photos other than its own that ``user``
    may see, with their cosine similarity: other photos of this person, most alike first."""
    vector = face.vector
    if vector is None:
        return []
    # A scan, not the graph, reordered by the stored embeddings: the graph missed 4 in 10 of a
    # face's nearest on the seeded archive (docs/benchmarks.md), and this page is for them.
    found = dict(nearest_faces(vector, SCANNED, exact=True))
    near = list(
        Face.objects.filter(pk__in=found)
        .exclude(prediction_id=face.prediction_id)
        .select_related("prediction", "review")
    )
    # Two lookups by key: SQLite read the whole history for ``prediction__in=visible``.
    photos = {other.prediction_id for other in near}
    visible = set(
        Prediction.objects.visible_to(user).filter(pk__in=photos).values_list("pk", flat=True)
    )
    faces = {
        other.pk: other
        for other in near
        if other.prediction_id in visible and other.vector is not None
    }
    candidates = {pk: other.vector for pk, other in faces.items()}
    return [
        (faces[pk], similarity)
        for pk, similarity in reranked(vector, candidates, MORE_PHOTOS)  # type: ignore[arg-type]
    ]


def name_person(faces: Sequence[Face], reviewer, label: str) -> list[FaceReview]:
    """Say these unknown faces are the athlete ``label``: a correction on each, recorded like
    any review (history kept), all or none; each leaves its group. Training then takes them as
    that athlete's."""
    with transaction.atomic():
        return [face.record_review(reviewer, FaceReview.Verdict.CORRECT, label) for face in faces]


def already_named(faces: Sequence[Face]) -> list[Face]:
    """The faces that are somebody known now, which a group naming must not overrule."""
    return [face for face in faces if face.answer != UNKNOWN]
