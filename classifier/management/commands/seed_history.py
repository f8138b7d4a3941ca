"""manage.py seed_history: fill the database with a big, realistic history, to measure it.

Rows only: the photos they name are not written, so pages show empty thumbnails. Every face
has an embedding, near its athlete's direction or one made-up stranger's, and the unknown ones
are grouped on People at the end (``manage.py group_people``), as the worker would have left
them. Every seeded row is stamped with the visitor id ``seeded``, and ``--remove`` deletes
exactly those rows (and their faces and reviews) again. Deterministic for a given ``--seed``.
"""

import random
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from classifier.models import (
    Athlete,
    Face,
    FaceReview,
    ModelVersion,
    Prediction,
)
from classifier.models.embeddings import embedding_bytes
from ml.results import NO_FACE, UNKNOWN

SEEDED = "seeded"
BATCH = 2000
WORDS = ["match", "final", "press", "training", "crowd", "portrait", "court", "bench", "team"]
UPLOADERS = 5
# The seeded unknown faces are of one made-up person per this many photos (at least 300), so
# that People groups them and a stranger's nearest faces are mostly their own.
PHOTOS_PER_STRANGER = 10


class Command(BaseCommand):
    help = "Seed predictions with faces and reviews, to measure a big history (rows only)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--days", type=int, default=365, help="Spread over this many days.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--remove", action="store_true", help="Delete the seeded rows.")

    def handle(self, *args, count: int, days: int, seed: int, remove: bool, **options):
        if remove:
            deleted, _ = Prediction.objects.filter(visitor=SEEDED).delete()
            self.stdout.write(f"Deleted {deleted} seeded rows (predictions, faces, reviews).")
            return
        model_version = ModelVersion.objects.active()
        if model_version is None:
            raise CommandError("Seeding needs an active model version: run bootstrap first.")
        labels = model_version.labels
        if count < 1:
            raise CommandError("--count must be at least 1.")
        users = uploaders()
        rng = random.Random(seed)
        strangers = [
            [rng.gauss(0, 1) for _ in range(128)]
            for _ in range(max(300, count // PHOTOS_PER_STRANGER))
        ]
        directions = {label: [rng.gauss(0, 1) for _ in range(128)] for label in labels}
        now = timezone.now()
        for start in range(0, count, BATCH):
            rows = [
                seeded_prediction(rng, start + n, now, days, labels, model_version, users)
                for n in range(min(BATCH, count - start))
            ]
            with transaction.atomic():
                Prediction.objects.bulk_create(rows)
                faces = Face.objects.bulk_create(
                    f for row in rows for f in seeded_faces(rng, row, labels, strangers, directions)
                )
                confirm_some(rng, faces)
            self.stdout.write(f"{start + len(rows)} / {count}")
        athletes = Athlete.objects.filter(label__in=labels).count()
        self.stdout.write(f"Seeded {count} predictions for {athletes} athletes.")
        call_command("group_people", stdout=self.stdout)


def uploaders() -> list:
    """Five users to own the seeded uploads; the first owns half of them."""
    User = get_user_model()
    return [User.objects.get_or_create(username=f"seeded-{n}")[0] for n in range(UPLOADERS)]


def seeded_prediction(rng, number, now, days, labels, model_version, users) -> Prediction:
    pk = uuid.uuid4()
    created = now - timedelta(seconds=rng.uniform(0, days * 86400))
    # Finished rows only: a queued one would count against the upload backlog, and the sweep
    # would send it to a worker that finds no photo.
    status = rng.choices([Prediction.Status.DONE, Prediction.Status.FAILED], weights=[97, 3])[0]
    done = status == Prediction.Status.DONE
    label = rng.choices([*labels, UNKNOWN, NO_FACE], weights=[*[8] * len(labels), 3, 1])[0]
    uploader = users[0] if rng.random() < 0.5 else rng.choice(users[1:])
    return Prediction(
        id=pk,
        image=f"uploads/{created:%Y/%m}/{pk}.jpg",
        thumbnail=f"thumbs/{created:%Y/%m}/{pk}.jpg",
        annotated=f"annotated/{created:%Y/%m}/{pk}.jpg" if done else "",
        original_name=f"{rng.choice(WORDS)}-{number:06d}-{rng.choice(labels)}.jpg",
        sha256=uuid.uuid4().hex * 2,
        size=rng.randint(50_000, 3_000_000),
        width=1024,
        height=768,
        status=status,
        label=label if done else "",
        confidence=round(rng.uniform(0.5, 0.99), 4) if done and label != NO_FACE else None,
        model_version=model_version if done else None,
        uploader=uploader,
        visitor=SEEDED,
        created_at=created,
        started_at=created,
        finished_at=created + timedelta(seconds=1),
        attempts=1,
        error="" if done else "The recognizer could not process this photo.",
    )


def confirm_some(rng, faces: list[Face]) -> None:
    """A reviewer confirmed the first face of about one photo in ten."""
    confirmed = [face for face in faces if face.position == 0 and rng.random() < 0.1]
    reviews = FaceReview.objects.bulk_create(
        FaceReview(
            face=face,
            verdict=FaceReview.Verdict.CONFIRM,
            label=face.label,
            model_label=face.label,
            model_candidate=face.candidate,
            model_score=face.score,
            model_needs_review=face.needs_review,
        )
        for face in confirmed
    )
    for face, review in zip(confirmed, reviews, strict=True):
        face.review = review
    Face.objects.bulk_update(confirmed, ["review"])


def seeded_faces(
    rng, prediction: Prediction, labels: list[str], strangers, directions
) -> list[Face]:
    """One to three faces for a photo with an answer; none for no_face or failed ones. A named
    face's embedding is near its athlete's direction, an unknown one's near one of the
    ``strangers``."""
    if prediction.status != Prediction.Status.DONE or prediction.label == NO_FACE:
        return []
    faces = []
    for position in range(rng.randint(1, 3)):
        named = position == 0 and prediction.label != UNKNOWN
        score = round(rng.uniform(0.2, 0.6), 4)
        if position == 0 and prediction.confidence is not None:
            score = prediction.confidence
        faces.append(
            Face(
                prediction=prediction,
                position=position,
                x=100 * position,
                y=50,
                width=120,
                height=120,
                embedding=near(
                    rng, directions[prediction.label] if named else rng.choice(strangers)
                ),
                label=prediction.label if named else UNKNOWN,
                candidate=prediction.label if named else rng.choice(labels),
                score=score,
                needs_review=not named and rng.random() < 0.2,
                detection_confidence=0.95,
            )
        )
    return faces


def near(rng, direction: list[float]) -> bytes:
    """A face of someone with this direction, a little off it (cosine about 0.8)."""
    return embedding_bytes([value + rng.gauss(0, 0.5) for value in direction])
