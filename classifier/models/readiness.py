"""What the next training learns from, and whom it can learn: the one owner of both, so that
People, Athletes and Models say who would be left out, and why, before anyone trains, as the
training (``classifier.worker.training``) will decide.

An athlete's faces are their trainable examples (``ExampleQuerySet.trainable``: a chosen face,
or still waiting for the worker), or else, without any, the photos of their folder in
ATHLETES_SAMPLE_DATA, plus the faces reviewed as them (named on People, or corrected to them
in review). Each photo counts as one face, as training takes it (``ml.training.
faces_per_athlete``); one in which training finds no face after all is left out then. An
athlete with fewer than two photos has every reviewed face fitted, so the sum decides; one
with two photos or more is trained whatever the split.
"""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, QuerySet

from classifier.models.athletes import Athlete
from classifier.models.examples import Example
from classifier.models.predictions import Face
from ml.dataset import MIN_FACES, PHOTO_SUFFIXES, LabelledPhoto


@dataclass(frozen=True)
class Shortfall:
    """An athlete training cannot learn yet: how many faces they have of the MIN_FACES."""

    athlete: Athlete
    faces: int
    needed: int = MIN_FACES

    @property
    def sentence(self) -> str:
        have = "no face" if not self.faces else f"{self.faces} face" + "s" * (self.faces > 1)
        return (
            f"{self.athlete.display_name} has {have}; training needs {self.needed}, "
            "so the next model leaves them out."
        )


def training_folder_photos(labels: Collection[str] | None = None) -> list[LabelledPhoto]:
    """The photos of the training folder (ATHLETES_SAMPLE_DATA) training takes: those of the
    athletes without a trainable example (theirs replace the folder); with ``labels``, only
    these athletes' folders are read."""
    sample = Path(settings.ATHLETES_SAMPLE_DATA)
    if not sample.is_dir():
        return []
    enrolled = set(Example.objects.trainable().values_list("athlete__label", flat=True))
    if labels is None:
        folders = sorted(path for path in sample.iterdir() if path.is_dir())
    else:
        folders = [sample / label for label in sorted(labels) if (sample / label).is_dir()]
    return [
        LabelledPhoto(path, folder.name)
        for folder in folders
        if folder.name not in enrolled
        for path in sorted(folder.iterdir())
        if path.suffix.lower() in PHOTO_SUFFIXES
    ]


def photos_to_train(athletes: "QuerySet[Athlete] | None" = None) -> dict[str, int]:
    """``{label: photos}``: the trainable examples, or else the folder's photos, of every
    athlete or of ``athletes`` only."""
    labels = list(
        (Athlete.objects.all() if athletes is None else athletes).values_list("label", flat=True)
    )
    examples = Example.objects.trainable()
    if athletes is not None:
        examples = examples.filter(athlete__label__in=labels)
    photos = Counter(examples.values_list("athlete__label", flat=True))
    photos.update(photo.label for photo in training_folder_photos(labels))
    return {label: photos[label] for label in labels}


def faces_to_train(athletes: "QuerySet[Athlete] | None" = None) -> dict[str, int]:
    """``{label: faces}`` training would take for every athlete, or for ``athletes`` only."""
    photos = photos_to_train(athletes)
    reviewed = Face.objects.reviewed()  # the faces training_faces hands training
    if athletes is not None:
        reviewed = reviewed.filter(review__label__in=list(photos))
    named = dict(reviewed.values_list("review__label").annotate(count=Count("pk")).order_by())
    return {label: count + named.get(label, 0) for label, count in photos.items()}


def short_of_faces(
    athletes: "QuerySet[Athlete] | None" = None, named_only: bool = False
) -> list[Shortfall]:
    """The athletes (of ``athletes``, else all) the next training leaves out, by name; with
    ``named_only``, only those with a face already (someone named, not an athlete added
    without photos)."""
    athletes = Athlete.objects.all() if athletes is None else athletes
    # Only an athlete with fewer photos than that can be short: the archive's reviewed faces
    # are counted for those alone (all of them took 60 of People's 158 ms on SQLite at
    # 200,000 faces, docs/benchmarks.md).
    few = [label for label, count in photos_to_train(athletes).items() if count < MIN_FACES]
    if not few:  # the usual case: nothing more to read
        return []
    candidates = athletes.filter(label__in=few)
    counts = faces_to_train(candidates)
    least = 1 if named_only else 0
    return [
        Shortfall(athlete, counts[athlete.label])
        for athlete in candidates
        if least <= counts[athlete.label] < MIN_FACES
    ]
