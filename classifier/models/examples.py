"""Enrolment: the example photos staff give to teach the site an athlete's face, and the faces
the worker finds in them."""

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError

from classifier import task_names
from classifier.models.athletes import Athlete
from classifier.models.embeddings import embedding_bytes, embedding_vector
from ml.athlete_face import closest_face

if TYPE_CHECKING:
    from classifier.models.predictions import Face

logger = logging.getLogger(__name__)


class ExampleQuerySet(models.QuerySet["Example"]):
    def from_face(self, face: "Face", athlete: Athlete) -> "Example":
        """An example of ``athlete`` made from a face of a photo in the history: a copy of the
        photo, its faces as the model found them, and that face chosen. Nothing to detect."""
        prediction = face.prediction
        with prediction.image.open("rb") as stored:
            data = stored.read()
        with transaction.atomic():
            example = self.create(
                athlete=athlete,
                original_name=prediction.original_name,
                width=prediction.width,
                height=prediction.height,
                status=Example.Status.READY,
                source_face=face,
            )
            example.image.save(
                f"{uuid.uuid4().hex}{Path(str(prediction.image.name)).suffix}", ContentFile(data)
            )
            copies = ExampleFace.objects.bulk_create(
                ExampleFace(
                    example=example,
                    position=each.position,
                    x=each.x,
                    y=each.y,
                    width=each.width,
                    height=each.height,
                    embedding=each.embedding,
                    detection_confidence=each.detection_confidence,
                )
                for each in prediction.faces.order_by("position")
            )
            example.choose(next(copy for copy in copies if copy.position == face.position))
        return example

    def requeue_stale(self) -> int:
        """Send again the examples still waiting for their faces after
        ATHLETES_REQUEUE_AFTER_SECONDS, whose task seems lost (the broker was down, or they were
        enrolled before faces were found); return how many. A task that finds its example no
        longer pending does nothing, so a slow queue costs a duplicate, never a choice."""
        before = timezone.now() - timedelta(seconds=settings.ATHLETES_REQUEUE_AFTER_SECONDS)
        stale = list(self.filter(status=Example.Status.PENDING, created_at__lt=before))
        for example in stale:
            example.send()
        if stale:
            logger.info("Re-sent %d examples waiting for their faces.", len(stale))
        return len(stale)

    def trainable(self) -> "ExampleQuerySet":
        """The examples the next training learns from, each one photo of its athlete: those
        with a chosen face, and those still waiting for the worker (training finds their
        faces itself). Examples without a face, or that failed, are left out."""
        return self.exclude(status__in=[Example.Status.NO_FACE, Example.Status.FAILED])

    def training_boxes(self) -> "dict[int, tuple[int, int, int, int] | None]":
        """``{example id: the athlete's face box}`` of the trainable examples; None for one
        without a chosen face (training guesses)."""
        return {
            example.pk: example.chosen.box if example.chosen else None
            for example in self.trainable().select_related("chosen")
        }


class Example(models.Model):
    """A photo staff enrolled to teach the site an athlete's face; training reads them all,
    taking the face chosen as the athlete's (``chosen``) in each."""

    class Status(models.TextChoices):
        PENDING = "pending", "Finding faces"
        READY = "ready", "Ready"
        NO_FACE = "no_face", "No face found"
        FAILED = "failed", "Failed"

    athlete = models.ForeignKey(Athlete, on_delete=models.CASCADE, related_name="examples")
    image = models.FileField(upload_to="examples/%Y/%m/")
    original_name = models.CharField(max_length=255)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True, help_text="Why finding faces failed, in a sentence.")
    sha256 = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Of the bytes sent, to spot copies."
    )
    source = models.CharField(
        max_length=2000, blank=True, help_text="Where an imported photo came from: its URL."
    )
    chosen = models.ForeignKey(
        "ExampleFace",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The athlete's face; the others are people beside them.",
    )
    source_face = models.ForeignKey(
        "Face",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="examples",
        help_text="The history's face this example was made from, if any.",
    )

    objects = ExampleQuerySet.as_manager()

    class Meta:
        ordering = ["athlete", "created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.athlete.label})"

    def detect_faces(self) -> None:
        """Have the worker find the faces, once the example is committed."""
        transaction.on_commit(self.send, robust=True)

    def send(self) -> None:
        """Send the example to the workers; if the broker is down, it stays pending for the
        sweep (``ExampleQuerySet.requeue_stale``)."""
        try:
            current_app.send_task(task_names.DETECT_EXAMPLE_FACES, args=[self.pk])
        except OperationalError as exc:
            logger.warning("Broker unavailable, example %s waits for its faces: %s", self.pk, exc)

    def record_faces(
        self, boxes: Sequence[tuple[int, int, int, int]], embeddings: np.ndarray
    ) -> None:
        """Store the faces found (largest first, one embedding row each) and choose the
        athlete's: the face most like the athlete's other examples, else the largest."""
        with transaction.atomic():
            self.faces.all().delete()
            faces = ExampleFace.objects.bulk_create(
                ExampleFace(
                    example=self,
                    position=position,
                    x=x,
                    y=y,
                    width=width,
                    height=height,
                    embedding=embedding_bytes(embedding),
                )
                for position, ((x, y, width, height), embedding) in enumerate(
                    zip(boxes, embeddings, strict=True)
                )
            )
            if not faces:
                self.status, self.chosen, self.error = self.Status.NO_FACE, None, ""
                self.save(update_fields=["status", "chosen", "error"])
                return
            elsewhere = self.athlete_faces_elsewhere()
            reference = np.sum(elsewhere, axis=0) if elsewhere else np.zeros(embeddings.shape[1])
            self.status, self.error = self.Status.READY, ""
            self.save(update_fields=["status", "error"])
            self.choose(faces[closest_face(embeddings, reference)])

    def athlete_faces_elsewhere(self) -> list[np.ndarray]:
        """The embeddings of the faces chosen in the athlete's other examples."""
        chosen = ExampleFace.objects.filter(
            pk__in=Example.objects.filter(athlete=self.athlete).exclude(pk=self.pk).values("chosen")
        )
        vectors = [face.vector for face in chosen]
        return [vector for vector in vectors if vector is not None]

    def choose(self, face: "ExampleFace") -> None:
        """Make ``face`` (one of this example's) the athlete's."""
        if face.example_id != self.pk:
            raise ValidationError("That face is not in this example's photo.")
        self.chosen = face
        self.save(update_fields=["chosen"])

    def mark_failed(self, reason: str) -> None:
        self.status, self.error = self.Status.FAILED, reason
        self.save(update_fields=["status", "error"])


class ExampleFace(models.Model):
    """A face found in an example's photo, largest first, with its embedding (to choose the
    athlete's face by likeness)."""

    example = models.ForeignKey(Example, on_delete=models.CASCADE, related_name="faces")
    position = models.PositiveSmallIntegerField()
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    embedding = models.BinaryField(null=True, blank=True, help_text="float32, little-endian.")
    detection_confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["example", "position"]

    def __str__(self) -> str:
        return f"face {self.position} of example {self.example_id}"

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.width, self.height)

    @property
    def vector(self) -> np.ndarray | None:
        return embedding_vector(self.embedding)


@receiver(post_delete, sender=Example)
def delete_file_of_deleted_example(sender, instance: Example, **kwargs) -> None:
    """A removed example's photo goes too, once the removal is committed."""
    name, storage = instance.image.name, instance.image.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)
