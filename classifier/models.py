"""What the product stores: athletes, model versions, predictions and their reviews."""

import logging
import uuid
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.validators import validate_slug
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError

from ml.artifact import Manifest
from ml.results import NO_FACE, UNKNOWN

logger = logging.getLogger(__name__)

# The worker's task, sent by name: the web process never imports the worker's code
# (classifier.tasks, and through it the recognizer).
RUN_PREDICTION_TASK = "classifier.tasks.run_prediction"


class AthleteQuerySet(models.QuerySet["Athlete"]):
    def display_names(self) -> dict[str, str]:
        """``{label: display name}`` for every athlete, for templates and annotated images."""
        return dict(self.values_list("label", "display_name"))

    def label_names(self) -> dict[str, str]:
        """Every label a prediction can carry, with the name to show for it."""
        return {**self.display_names(), UNKNOWN: "Unknown person", NO_FACE: "No face found"}

    def correction_labels(self) -> list[str]:
        """The labels a reviewer may correct a prediction to."""
        return [*self.values_list("label", flat=True), UNKNOWN]

    def known_to(self, model_version: "ModelVersion | None") -> "AthleteQuerySet":
        """The athletes whose label the given model can predict."""
        if model_version is None:
            return self.none()
        return self.filter(label__in=model_version.labels)


class Athlete(models.Model):
    label = models.SlugField(max_length=100, unique=True)
    display_name = models.CharField(max_length=200)

    objects = AthleteQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @staticmethod
    def labels_in(folder: Path) -> list[str]:
        """The athlete labels of a ``<label>/<photos>`` folder: its sub-folders, which must be
        slugs; raise ValueError naming the first that is not."""
        labels = sorted(child.name for child in folder.iterdir() if child.is_dir())
        for label in labels:
            try:
                validate_slug(label)
            except ValidationError as exc:
                raise ValueError(
                    f'"{label}" is not a valid label: use letters, digits, _ or -.'
                ) from exc
        return labels


class ModelVersionQuerySet(models.QuerySet["ModelVersion"]):
    def active(self) -> "ModelVersion | None":
        return self.filter(is_active=True).first()


class ModelVersion(models.Model):
    """A trained artifact directory registered with the site. At most one is active."""

    version = models.CharField(max_length=100, unique=True)
    # Relative to ATHLETES_MODELS_DIR when the artifact lives there, absolute otherwise.
    path = models.CharField(max_length=500)
    manifest = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    confusion_matrix = models.FileField(upload_to="models/", blank=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("activate_modelversion", "Can choose the version the workers serve")]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="one_active_model_version",
            )
        ]

    def __str__(self) -> str:
        return self.version

    @property
    def model_dir(self) -> Path:
        return Path(settings.ATHLETES_MODELS_DIR) / self.path

    @property
    def artifact_manifest(self) -> Manifest:
        """The stored ``manifest`` JSON as the typed record the artifact was written from."""
        return Manifest.from_dict(self.manifest, source=f"Model version {self.version}")

    @property
    def labels(self) -> list[str]:
        return self.artifact_manifest.labels

    def activate(self) -> None:
        """Make this the one active version; workers pick it up on their next task."""
        with transaction.atomic():
            ModelVersion.objects.select_for_update().filter(is_active=True).exclude(
                pk=self.pk
            ).update(is_active=False)
            ModelVersion.objects.filter(pk=self.pk).update(is_active=True)
        self.is_active = True


# The steps of a prediction, in the order they happen, for showing its ``timings``.
TIMING_ORDER = [
    "queue_ms",
    "model_load_ms",
    "detect_ms",
    "embed_ms",
    "classify_ms",
    "total_ms",
    "worker_ms",
]


class ReviewError(ValueError):
    """The review cannot be recorded; the message says why."""


class PredictionQuerySet(models.QuerySet["Prediction"]):
    def visible_to(self, user, visitor: str = "") -> "PredictionQuerySet":
        """The predictions a visitor may list.

        A prediction's page and API resource are open to whoever has its id: ids are random
        UUIDs, so the link itself is the permission, and it is what a user shares. Lists are
        private: users with the ``classifier.view_prediction`` permission see every
        prediction, a signed-in user sees their own uploads, and an anonymous visitor sees the
        uploads stamped with ``visitor``, the random id their browser session holds
        (``classifier.uploads.visitor_id``).
        """
        if user.has_perm("classifier.view_prediction"):
            return self
        own = Q(visitor=visitor) if visitor else Q(pk__in=[])
        if user.is_authenticated:
            own |= Q(uploader=user)
        return self.filter(own)

    def reusable_for(self, sha256: str) -> "Prediction | None":
        """A finished prediction of the same bytes by the active model, if there is one."""
        return (
            self.filter(sha256=sha256, status=Prediction.Status.DONE, model_version__is_active=True)
            .order_by("created_at")
            .first()
        )

    def claim(self, pk: uuid.UUID | str, task_id: str) -> "Prediction | None":
        """Mark the prediction running for this task, or return None if it is not ours to run.

        A conditional UPDATE, so two deliveries of a task never both run it. A row that is
        already running is taken back only by a redelivery of the very task that claimed it:
        the broker redelivers a task only when the worker that held it was lost.
        """
        claimable = Q(status=Prediction.Status.QUEUED) | Q(
            status=Prediction.Status.RUNNING, task_id=task_id
        )
        claimed = self.filter(claimable, pk=pk).update(
            status=Prediction.Status.RUNNING,
            task_id=task_id,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
        return self.get(pk=pk) if claimed else None

    def oldest_queued_at(self) -> "datetime | None":
        """When the photo that has waited longest for a worker was uploaded."""
        return self.filter(status=Prediction.Status.QUEUED).aggregate(
            oldest=models.Min("created_at")
        )["oldest"]

    def using_file(self, name: str) -> "PredictionQuerySet":
        """Rows that store ``name`` as any of their files."""
        return self.filter(Q(image=name) | Q(thumbnail=name) | Q(annotated=name))

    def stale(self) -> "PredictionQuerySet":
        """Rows whose task seems lost: queued and never started, or running past the time limit."""
        now = timezone.now()
        queued_before = now - timedelta(seconds=settings.ATHLETES_REQUEUE_AFTER_SECONDS)
        running_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
        never_enqueued = Q(enqueued_at__isnull=True, created_at__lt=queued_before)
        waiting = Q(enqueued_at__lt=queued_before)
        return self.filter(
            Q(status=Prediction.Status.QUEUED) & (never_enqueued | waiting)
            | Q(status=Prediction.Status.RUNNING, started_at__lt=running_before)
        )

    def requeue_stale(self) -> int:
        """Enqueue again every prediction whose task seems lost; return how many."""
        stale = list(self.stale().values_list("pk", flat=True))
        self.filter(pk__in=stale, status=Prediction.Status.RUNNING).update(
            status=Prediction.Status.QUEUED, task_id=""
        )
        self.filter(pk__in=stale).update(enqueued_at=timezone.now())
        for prediction in self.filter(pk__in=stale).only("pk"):
            prediction.enqueue()
        if stale:
            logger.info("Re-enqueued %d stale predictions.", len(stale))
        return len(stale)


class Prediction(models.Model):
    """One uploaded photo and what the recognizer said about it."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        # The worker could not read the photo: trying again would not help.
        REFUSED = "refused"
        # Something went wrong on our side (the reason says what): it may be retried.
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    image = models.FileField(upload_to="uploads/%Y/%m/")
    thumbnail = models.FileField(upload_to="thumbs/%Y/%m/")
    annotated = models.FileField(upload_to="annotated/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField(help_text="Bytes the user sent.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    label = models.CharField(max_length=100, blank=True, db_index=True)
    confidence = models.FloatField(null=True, blank=True)
    faces = models.JSONField(default=list, blank=True)
    probabilities = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="predictions"
    )
    error = models.TextField(blank=True)

    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    reused_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reuses"
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # A random id kept in the uploading browser's session (see PredictionQuerySet.visible_to).
    visitor = models.CharField(max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = PredictionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("review_prediction", "Can confirm or correct predictions")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def shown_confidence(self) -> float | None:
        """The one confidence the site shows for the answer: the named (or closest) face's
        score. None while there is no answer, and for "no face found", which has no score."""
        if self.status != self.Status.DONE or self.label == NO_FACE:
            return None
        return self.confidence

    @property
    def timing_steps(self) -> list[tuple[str, float]]:
        """``timings`` in the order the work happened; PostgreSQL's jsonb keeps no key order."""
        rank = {key: position for position, key in enumerate(TIMING_ORDER)}
        return sorted(self.timings.items(), key=lambda item: rank.get(item[0], len(rank)))

    @property
    def reused(self) -> bool:
        return self.reused_from_id is not None

    def copy_result_from(self, source: "Prediction") -> None:
        """Take the model's answer on the same bytes from a finished prediction.

        Only the computation: the files are copied under this row's own id by the caller, and
        nothing that describes the earlier upload (its name, times, wait or review) is taken.
        """
        for field in (
            "width", "height", "label", "confidence", "faces", "probabilities", "model_version",
        ):  # fmt: skip
            setattr(self, field, getattr(source, field))
        self.timings = {step: ms for step, ms in source.timings.items() if step != "queue_ms"}
        self.reused_from = source.reused_from or source
        self.status = self.Status.DONE
        self.started_at = self.finished_at = timezone.now()

    def enqueue(self) -> bool:
        """Send this prediction to the workers; if the broker is down, leave it queued for the
        sweep (``PredictionQuerySet.requeue_stale``)."""
        try:
            current_app.send_task(RUN_PREDICTION_TASK, args=[str(self.pk)])
        except OperationalError as exc:
            logger.warning("Broker unavailable, prediction %s stays queued: %s", self.pk, exc)
            Prediction.objects.filter(pk=self.pk).update(enqueued_at=None)
            return False
        return True

    def enqueue_on_commit(self) -> None:
        """Enqueue once the upload is committed; an error then is logged, never shown to the
        user, whose photo is already safely stored (the sweep enqueues it later)."""
        transaction.on_commit(self.enqueue, robust=True)

    def is_uploaded_by(self, user, visitor: str = "") -> bool:
        """Sent by this signed-in user, or from the browser session stamped ``visitor``."""
        if user.is_authenticated and self.uploader_id == user.pk:
            return True
        return bool(self.visitor) and self.visitor == visitor

    def may_be_deleted_by(self, user, visitor: str = "") -> bool:
        """Its uploader may delete a prediction, and so may users with Django's delete
        permission; not whoever merely has the link."""
        return user.has_perm("classifier.delete_prediction") or self.is_uploaded_by(user, visitor)

    def may_be_retried_by(self, user, visitor: str = "") -> bool:
        """Its uploader may queue a failed prediction again, and so may staff who may change
        predictions."""
        return user.has_perm("classifier.change_prediction") or self.is_uploaded_by(user, visitor)

    @property
    def why_not_deletable(self) -> str:
        """Empty when the row may be deleted now; otherwise why not, for the user. The worker
        owns a queued or running row until it is done."""
        if self.is_pending:
            return "This photo is still being processed: delete it once it is done."
        return ""

    @property
    def file_names(self) -> list[str]:
        return [
            name for file in (self.image, self.thumbnail, self.annotated) if (name := file.name)
        ]

    def _update_if_ours(self, **fields) -> bool:
        """Save ``fields`` only while this task still holds the row; refresh self unless the row
        was deleted meanwhile."""
        updated = Prediction.objects.filter(
            pk=self.pk, status=self.Status.RUNNING, task_id=self.task_id
        ).update(**fields)
        with suppress(Prediction.DoesNotExist):  # staff may delete a running row
            self.refresh_from_db()
        return bool(updated)

    def mark_done(self, **result) -> bool:
        return self._update_if_ours(
            status=self.Status.DONE, error="", finished_at=timezone.now(), **result
        )

    def mark_failed(self, reason: str) -> bool:
        return self._update_if_ours(
            status=self.Status.FAILED, error=reason, finished_at=timezone.now()
        )

    def mark_refused(self, reason: str) -> bool:
        return self._update_if_ours(
            status=self.Status.REFUSED, error=reason, finished_at=timezone.now()
        )

    def retry(self) -> bool:
        """Queue a failed prediction again, with a fresh count of attempts; False if it is not
        failed (any more). Enqueued once the transaction commits."""
        retried = Prediction.objects.filter(pk=self.pk, status=self.Status.FAILED).update(
            status=self.Status.QUEUED, error="", attempts=0, task_id="",
            enqueued_at=timezone.now(), started_at=None, finished_at=None,
        )  # fmt: skip
        if retried:
            self.refresh_from_db()
            self.enqueue_on_commit()
        return bool(retried)

    def mark_queued(self, reason: str) -> bool:
        """Give the row back to the queue after a failed attempt that will be retried."""
        return self._update_if_ours(status=self.Status.QUEUED, error=reason)

    def review_label(self, verdict: str, label: str = "") -> str:
        """The label a review with this verdict records; raise ReviewError if it is not allowed."""
        if self.status != self.Status.DONE:
            raise ReviewError("Only finished predictions can be reviewed.")
        if verdict == Review.Verdict.CONFIRM:
            return self.label
        if verdict != Review.Verdict.CORRECT:
            raise ReviewError(f'The verdict must be "confirm" or "correct", not "{verdict}".')
        if label not in Athlete.objects.correction_labels():
            raise ReviewError(f'"{label}" is not an athlete\'s label or "{UNKNOWN}".')
        return label

    def record_review(self, reviewer, verdict: str, label: str = "") -> "Review":
        """Create or replace this prediction's review: who, when, the verdict and the label."""
        review, _ = Review.objects.update_or_create(
            prediction=self,
            defaults={
                "reviewer": reviewer,
                "reviewed_at": timezone.now(),
                "verdict": verdict,
                "label": self.review_label(verdict, label),
            },
        )
        return review


def delete_unused_files(storage: Storage, names: list[str]) -> None:
    """Delete the files that no prediction stores any more."""
    for name in names:
        if not Prediction.objects.using_file(name).exists():
            storage.delete(name)


@receiver(post_delete, sender=Prediction)
def delete_files_of_deleted_prediction(sender, instance: Prediction, **kwargs) -> None:
    """A deleted prediction's photo, thumbnail and annotated photo go too, once the deletion is
    committed (a rolled-back deletion keeps them), and only if no other row stores them."""
    names, storage = instance.file_names, instance.image.storage
    transaction.on_commit(lambda: delete_unused_files(storage, names), robust=True)


class WorkerHeartbeatQuerySet(models.QuerySet["WorkerHeartbeat"]):
    def beat(self, hostname: str) -> None:
        """Record that the worker ``hostname`` is alive now."""
        self.update_or_create(hostname=hostname, defaults={"seen_at": timezone.now()})

    def last_seen(self) -> "datetime | None":
        """When any worker was last alive, or None if none ever was."""
        return self.aggregate(last=models.Max("seen_at"))["last"]


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker said it was alive, for the web to see without asking the
    broker (``classifier.tasks.record_heartbeat``)."""

    hostname = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    objects = WorkerHeartbeatQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Review(models.Model):
    """A staff member's verdict on a prediction: right as it is, or corrected."""

    class Verdict(models.TextChoices):
        CONFIRM = "confirm"
        CORRECT = "correct"

    prediction = models.OneToOneField(Prediction, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField(default=timezone.now)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    label = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"{self.verdict}: {self.label}"
