"""Whom the next training can learn: each athlete's faces counted as training counts them
(``ml.training.faces_per_athlete``), so that People, Athletes and Models say who would be
left out, and why, before anyone trains.

An athlete's faces are their example photos with a chosen face, or else the photos of their
folder in ATHLETES_SAMPLE_DATA, plus the faces reviewed as them (named on People, or
corrected to them in review). An athlete with fewer than two photos has every reviewed face
fitted, so the sum decides; one with two photos or more is trained whatever the split.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q

from classifier.models.athletes import Athlete
from classifier.models.examples import Example
from classifier.models.predictions import Face
from ml.dataset import MIN_FACES, PHOTO_SUFFIXES


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


def faces_to_train() -> dict[str, int]:
    """``{label: faces}`` training would take for every athlete."""
    athletes = Athlete.objects.annotate(
        photos=Count("examples", filter=Q(examples__chosen__isnull=False)),
        examples_kept=Count(
            "examples",
            filter=~Q(examples__status__in=[Example.Status.NO_FACE, Example.Status.FAILED]),
        ),
    )
    reviewed = dict(
        Face.objects.reviewed()  # the faces training_faces hands training
        .values_list("review__label")
        .annotate(count=Count("pk"))
        .order_by()
    )
    sample = Path(settings.ATHLETES_SAMPLE_DATA)
    counts = {}
    for athlete in athletes:
        photos = athlete.photos
        if not athlete.examples_kept:  # the folder in ATHLETES_SAMPLE_DATA trains them
            photos = folder_photos(sample / athlete.label)
        counts[athlete.label] = photos + reviewed.get(athlete.label, 0)
    return counts


def folder_photos(folder: Path) -> int:
    """The photos in an athlete's training folder, 0 without one."""
    if not folder.is_dir():
        return 0
    return sum(1 for path in folder.iterdir() if path.suffix.lower() in PHOTO_SUFFIXES)


def short_of_faces(named_only: bool = False) -> list[Shortfall]:
    """The athletes the next training leaves out, by name; with ``named_only``, only those
    with a face already (someone named, not an athlete added without photos)."""
    counts = faces_to_train()
    least = 1 if named_only else 0
    return [
        Shortfall(athlete, counts[athlete.label])
        for athlete in Athlete.objects.all()
        if least <= counts[athlete.label] < MIN_FACES
    ]
