"""People seen but not known: the archive's unknown faces in groups, one per person, kept as
faces arrive (``Person.objects.settle``) rather than computed on each view.

A group stores the sum of its faces' unit vectors and their count, which is all average
linkage needs to measure a face against it (``ml.clustering.Group``). Staff may merge, split
and hide groups; a group they merged or split is ``arranged`` and never regrouped by the
worker, though new faces may still join it.
"""

from collections.abc import Iterable
from datetime import timedelta

import numpy as np
from django.db import models, transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from classifier.models import face_index
from classifier.models.embeddings import embedding_bytes, embedding_vector
from classifier.models.face_index import nearest_faces
from classifier.models.predictions import Face, Prediction
from ml.clustering import (
    NEIGHBOURS,
    NEW,
    SAME_PERSON_DISTANCE,
    Group,
    group_as_they_come,
    may_regroup,
    nearest_group,
    regroup,
    unit,
)
from ml.results import UNKNOWN


class PeopleError(ValueError):
    """Staff asked for something a group cannot do; the message says why."""


class PersonQuerySet(models.QuerySet["Person"]):
    def shown(self, hidden: bool = False) -> "PersonQuerySet":
        """Groups of two or more faces, the biggest first: those staff see (or have hidden)."""
        return self.filter(hidden=hidden, size__gte=2).order_by("-size", "pk")

    def settle(self, faces: Iterable[Face]) -> None:
        """Bring these faces' groups in line with who they are now: an unknown face with an
        embedding and no group finds one (``place``), a face named since leaves its group."""
        leaving = []
        for face in faces:
            if is_unknown(face):
                if face.person_id is None:
                    self.place(face)
            elif face.person_id is not None:
                leaving.append(face)
        if leaving:
            persons = {face.person_id for face in leaving if face.person_id is not None}
            Face.objects.filter(pk__in=[face.pk for face in leaving]).update(person=None)
            for face in leaving:
                face.person = None
            self.recount(persons)

    def place(self, face: Face) -> "Person | None":
        """Put an unknown face into a group as ``ml.clustering`` says: the groups of its
        nearest grouped faces within the line are grouped again with it, or it joins the
        nearest of them, or it starts its own. Returns its group (None without a direction)."""
        vector = unit(face.vector)
        if vector is None:
            return None
        found = [pk for pk, _ in nearest_faces(vector, 2 * NEIGHBOURS) if pk != face.pk]
        with transaction.atomic():
            near = []
            for group_id, stored in (
                Face.objects.filter(pk__in=found, person__isnull=False)
                .values_list("person_id", "embedding")
                .order_by()
            ):
                other = unit(embedding_vector(stored))
                if other is not None and 1 - other @ vector < SAME_PERSON_DISTANCE:
                    near.append(group_id)
            groups: dict[int, Person] = {
                p.pk: p for p in self.select_for_update().filter(pk__in=set(near))
            }
            persons = list(groups.values())
            if may_regroup([p.size for p in persons], [p.arranged for p in persons]):
                return self._regroup(face, vector, persons)
            chosen = nearest_group(vector, {p.pk: p.group for p in persons})
            person = groups[chosen] if chosen is not None else Person()
            person.total = embedding_bytes(person.group.total + vector if person.pk else vector)
            person.size += 1
            person.save()
            Face.objects.filter(pk=face.pk).update(person=person)
            face.person = person
            return person

    def _regroup(self, face: Face, vector: np.ndarray, persons: list["Person"]) -> "Person":
        """Average linkage over the face and the faces of ``persons``, written back: each new
        group keeps the id of the old one that gave it most faces, where it can."""
        members: dict[int, list[tuple[int, np.ndarray]]] = {p.pk: [] for p in persons}
        for pk, group_id, stored in Face.objects.filter(person__in=persons).values_list(
            "pk", "person_id", "embedding"
        ):
            if (direction := unit(embedding_vector(stored))) is not None:
                members[group_id].append((pk, direction))
        members = {key: rows for key, rows in members.items() if rows}
        arranged = regroup(vector, {key: np.stack([d for _, d in rows]) for key, rows in
                                    members.items()})  # fmt: skip
        old = {p.pk: p for p in persons}
        unused = set(old)
        result: Person | None = None
        for group in arranged:
            pks = [face.pk if key == NEW else members[key][row][0] for key, row in group]
            directions = [vector if key == NEW else members[key][row][1] for key, row in group]
            givers = [key for key, _ in group if key in unused]
            keeper = max(set(givers), key=givers.count) if givers else None
            person = old[keeper] if keeper is not None else Person()
            unused.discard(keeper)
            person.total = embedding_bytes(np.sum(directions, axis=0))
            person.size = len(pks)
            person.save()
            Face.objects.filter(pk__in=pks).exclude(person=person).update(person=person)
            if face.pk in pks:
                result = person
        self.filter(pk__in=unused).delete()
        face.person = result
        assert result is not None  # the new face is in one of the groups
        return result

    def group_waiting(self) -> int:
        """Group the unknown faces that have no group yet, in upload order, and return how
        many: all of them at once on an archive with no group yet (an upgrade's backfill), by
        ``ml.clustering.group_as_they_come``, which follows the worker's rules in memory;
        else one by one (faces a stopped worker or a reused upload left)."""
        waiting = (
            Face.objects.unknown()
            .filter(person__isnull=True)
            .select_related("prediction", "review")
            .order_by("prediction__created_at", "pk")
        )
        if self.exists():
            count = 0
            for face in waiting.iterator(chunk_size=1000):
                count += self.place(face) is not None
            return count
        rows = list(waiting.values_list("pk", "embedding"))
        directions = [unit(embedding_vector(stored)) for _, stored in rows]
        kept = [(pk, d) for (pk, _), d in zip(rows, directions, strict=True) if d is not None]
        if not kept:
            return 0
        vectors = np.stack([d for _, d in kept])
        with transaction.atomic():
            for group in group_as_they_come(vectors):
                person = self.create(
                    total=embedding_bytes(vectors[group].sum(axis=0)), size=len(group)
                )
                Face.objects.filter(pk__in=[kept[row][0] for row in group]).update(person=person)
        return len(kept)

    def recount(self, pks: Iterable[int]) -> None:
        """Sum and count these groups again from their faces; a group left empty goes."""
        for person in self.filter(pk__in=set(pks)):
            person.refresh_sum()


def is_unknown(face: Face) -> bool:
    """Who People groups: a face of a finished photo, with an embedding, that is nobody known
    now (``FaceQuerySet.unknown``, for one face already loaded)."""
    return (
        face.answer == UNKNOWN
        and face.embedding is not None
        and face.prediction.status == Prediction.Status.DONE
    )


class Person(models.Model):
    """Unknown faces that look like one person (a group of one until another arrives)."""

    total = models.BinaryField(help_text="The sum of its faces' unit vectors, float32.")
    size = models.PositiveIntegerField(default=0, help_text="How many faces.")
    arranged = models.BooleanField(
        default=False, help_text="Merged or split by staff: the worker never regroups it."
    )
    hidden = models.BooleanField(default=False, help_text="Staff chose not to see it on People.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["hidden", "-size"], name="person_shown")]

    def __str__(self) -> str:
        return f"person {self.pk} ({self.size} faces)"

    @property
    def group(self) -> Group:
        total = embedding_vector(self.total)
        return Group(np.zeros(0) if total is None else total.astype(np.float64), self.size)

    def refresh_sum(self) -> None:
        """Sum and count its faces again; delete it if none is left."""
        directions = [
            direction
            for stored in self.faces.values_list("embedding", flat=True)
            if (direction := unit(embedding_vector(stored))) is not None
        ]
        if not directions:
            self.faces.update(person=None)
            self.delete()
            return
        self.total, self.size = embedding_bytes(np.sum(directions, axis=0)), len(directions)
        self.save(update_fields=["total", "size"])

    def merge(self, other: "Person") -> None:
        """Take every face of ``other``, which goes; staff said they are one person."""
        if other.pk == self.pk:
            raise PeopleError("A group cannot be merged with itself: choose another group.")
        with transaction.atomic():
            other.faces.update(person=self)
            other.delete()
            self.arranged = True
            self.hidden = self.hidden and other.hidden
            self.save(update_fields=["arranged", "hidden"])
            self.refresh_sum()

    def split(self, faces: list[Face]) -> "Person":
        """Move these faces of the group into a new group of their own, and return it."""
        if not faces:
            raise PeopleError("Choose the faces to move to a new group.")
        if strangers := [str(face.pk) for face in faces if face.person_id != self.pk]:
            raise PeopleError(f"Not a face of this group: {', '.join(strangers)}.")
        if len({face.pk for face in faces}) >= self.size:
            raise PeopleError("Leave at least one face in the group: move only some of them.")
        with transaction.atomic():
            new = Person.objects.create(total=b"", arranged=True, hidden=self.hidden)
            Face.objects.filter(pk__in=[face.pk for face in faces]).update(person=new)
            new.refresh_sum()
            self.arranged = True
            self.save(update_fields=["arranged"])
            self.refresh_sum()
        return new


# Faces whose embeddings are cleared in one transaction.
FORGET_BATCH = 1000


def forget_bystanders(days: int) -> int:
    """Clear the embeddings of the faces nobody named (``FaceQuerySet.bystanders``) of photos
    uploaded more than ``days`` ago, and return how many. Each leaves its group on People,
    whose sum is taken again from the faces left (a group left empty goes), and the
    nearest-faces index is built anew without them. The box stays on its photo; a re-run
    cannot name such a face again."""
    cutoff = timezone.now() - timedelta(days=days)
    pks = list(Face.objects.bystanders(cutoff).values_list("pk", flat=True))
    forgotten = 0
    for start in range(0, len(pks), FORGET_BATCH):
        with transaction.atomic():
            # The rule again: a face reviewed since the first query keeps its embedding.
            batch = Face.objects.bystanders(cutoff).filter(pk__in=pks[start : start + FORGET_BATCH])
            persons = set(batch.filter(person__isnull=False).values_list("person_id", flat=True))
            forgotten += batch.update(embedding=None, person=None)
            Person.objects.recount(persons)
    if forgotten:
        face_index.rebuild()
    return forgotten


@receiver(pre_delete, sender=Prediction)
def recount_groups_of_deleted_photo(sender, instance: Prediction, **kwargs) -> None:
    """The groups that lose a deleted photo's faces are summed again once it is gone."""
    persons = set(instance.faces.filter(person__isnull=False).values_list("person_id", flat=True))
    if persons:
        transaction.on_commit(lambda: Person.objects.recount(persons), robust=True)
