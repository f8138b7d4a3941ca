"""What the product stores: athletes, model versions, predictions, their faces and reviews
of those faces."""

import io
import json
import logging
import uuid
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.validators import validate_slug
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import slugify
from kombu.exceptions import OperationalError

from classifier.photo_tags import NamedFace, PhotoTags, joined_names
from ml.annotate import annotate
from ml.artifact import DET_PLOT, DEV_REPORT, Manifest, new_version
from ml.athlete_face import closest_face
from ml.dataset import display_name
from ml.errors import ImageRejected
from ml.held_out import describe as describe_held_out
from ml.imaging import load_image
from ml.results import NO_FACE, UNKNOWN, FaceResult, ImageResult
from ml.reviewed import ReviewedFace

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

    def ensure(self, labels: list[str], display_names: dict[str, str] | None = None) -> list[str]:
        """Create the athletes that do not exist yet; return the labels created."""
        display_names = display_names or {}
        created = []
        for label in labels:
            _, was_created = self.get_or_create(
                label=label,
                defaults={"display_name": display_names.get(label) or display_name(label)},
            )
            if was_created:
                created.append(label)
        return created

    def new_label(self, display_name: str, label: str = "") -> str:
        """The label of a new athlete: ``label``, or one made from the name (Roger Federer →
        roger_federer); raise ValidationError saying why it cannot be used."""
        label = label or slugify(display_name).replace("-", "_")
        if not label:
            raise ValidationError({"display_name": "Give a name with letters."})
        if self.filter(label=label).exists():
            raise ValidationError({"label": f'An athlete labelled "{label}" exists already.'})
        return label

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
    team = models.CharField(max_length=200, blank=True)
    sport = models.CharField(max_length=100, blank=True)

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


class Team(models.Model):
    """Athletes who play together, so that an event's roster can be two teams."""

    name = models.CharField(max_length=200, unique=True)
    athletes = models.ManyToManyField(Athlete, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """A game or a shoot. Photos uploaded into it are named only from its roster: the athletes
    of its teams and the athletes chosen one by one. An event without a roster limits nobody."""

    name = models.CharField(max_length=200)
    date = models.DateField()
    teams = models.ManyToManyField(Team, related_name="events", blank=True)
    athletes = models.ManyToManyField(Athlete, related_name="events", blank=True)

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def roster(self) -> set[str] | None:
        """The labels the recognizer may name in this event, or None for anyone."""
        chosen = Athlete.objects.filter(Q(events=self) | Q(teams__events=self))
        return set(chosen.values_list("label", flat=True)) or None


# The worker's training task, sent by name like RUN_PREDICTION_TASK.
TRAIN_MODEL_TASK = "classifier.tasks.train_model_version"
# What a version trained before reviewed faces were held out shows instead of the report.
NOT_HELD_OUT = (
    "Held-out reviewed faces",
    "Not measured: trained before reviewed faces were held out. Train a new version to measure it.",
)
RERUN_HISTORY_TASK = "classifier.tasks.rerun_history"


class ModelVersionQuerySet(models.QuerySet["ModelVersion"]):
    def active(self) -> "ModelVersion | None":
        return self.filter(is_active=True).first()

    def start_training(self) -> "ModelVersion":
        """A new version named now, in training until the worker has trained it."""
        model_version = self.create(version=new_version(), status=ModelVersion.Status.TRAINING)
        transaction.on_commit(
            lambda: current_app.send_task(TRAIN_MODEL_TASK, args=[model_version.version])
        )
        return model_version

    def rollback_target(self) -> "ModelVersion | None":
        """The ready version that was active most recently before the one active now."""
        return (
            self.filter(status=ModelVersion.Status.READY, is_active=False)
            .exclude(activated_at=None)
            .order_by("-activated_at")
            .first()
        )


class ModelVersion(models.Model):
    """A trained artifact directory registered with the site, or one the worker is training.
    At most one is active, and only a ready one can be."""

    class Status(models.TextChoices):
        TRAINING = "training"
        READY = "ready"
        FAILED = "failed"

    version = models.CharField(max_length=100, unique=True)
    # Relative to ATHLETES_MODELS_DIR when the artifact lives there, absolute otherwise.
    path = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    progress = models.PositiveSmallIntegerField(default=100, help_text="Percent of training.")
    error = models.TextField(blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    rerun = models.JSONField(
        default=dict, blank=True, help_text="The last re-run of history: status and counts."
    )
    manifest = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    confusion_matrix = models.FileField(upload_to="models/", blank=True)
    # The DET curve on held-out reviewed faces (ml.artifact.HELD_OUT_DET_PLOT), when training
    # had held-out faces of athletes and of others to draw it from.
    held_out_det_curve = models.FileField(upload_to="models/", blank=True)
    # The artifact folder as a zip in storage, which is how workers on other machines get it
    # (classifier.model_versions.local_model_dir); never served by the media view.
    archive = models.FileField(upload_to="models/", blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
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

    @property
    def dev_report(self) -> dict | None:
        """The dev-set evaluation saved in the artifact's folder (ml.artifact.DEV_REPORT), if
        there is a readable one."""
        try:
            report = json.loads((self.model_dir / DEV_REPORT).read_text())
        except (OSError, ValueError):
            return None
        return report if isinstance(report, dict) else None

    @property
    def det_plot(self) -> bytes | None:
        """The DET curve PNG saved beside the dev report, if there is one."""
        try:
            return (self.model_dir / DET_PLOT).read_bytes()
        except OSError:
            return None

    @property
    def held_out_report(self) -> dict | None:
        """What training measured on reviewed faces it held out (``ml.held_out.measure``), or
        None for a version trained before faces were held out."""
        report = self.metrics.get("held_out")
        return report if isinstance(report, dict) else None

    @property
    def held_out_figures(self) -> list[tuple[str, str]]:
        """The held-out report as (what, figures) rows, for any page that shows the version."""
        report = self.held_out_report
        return [NOT_HELD_OUT] if report is None else describe_held_out(report)

    @property
    def display_names(self) -> dict[str, str]:
        """Names to draw on faces: the admin's athlete names win over the artifact's."""
        return {**self.artifact_manifest.display_names, **Athlete.objects.display_names()}

    def activate(self) -> None:
        """Make this the one active version; workers pick it up on their next task."""
        with transaction.atomic():
            ModelVersion.objects.select_for_update().filter(is_active=True).exclude(
                pk=self.pk
            ).update(is_active=False)
            self.activated_at = timezone.now()
            ModelVersion.objects.filter(pk=self.pk).update(
                is_active=True, activated_at=self.activated_at
            )
        self.is_active = True

    def set_progress(self, percent: int) -> None:
        ModelVersion.objects.filter(pk=self.pk).update(progress=percent)
        self.progress = percent

    def record_rerun(self, report: dict) -> None:
        ModelVersion.objects.filter(pk=self.pk).update(rerun=report)
        self.rerun = dict(report)

    def start_rerun(self, filters: dict[str, str]) -> None:
        """Re-run the finished predictions that ``filters`` (the history's) select, in the
        worker."""
        self.record_rerun({"status": "queued", "filters": filters})
        transaction.on_commit(
            lambda: current_app.send_task(RERUN_HISTORY_TASK, args=[self.version, filters])
        )

    def mark_failed(self, reason: str) -> None:
        self.status, self.error = self.Status.FAILED, reason
        self.save(update_fields=["status", "error"])


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

    def training_boxes(self) -> "dict[int, tuple[int, int, int, int] | None]":
        """``{example id: the athlete's face box}`` of the examples training may use: those
        with a chosen face, and those still waiting for the worker (no box: training
        guesses). Examples without a face, or that failed, are left out."""
        usable = self.exclude(status__in=[Example.Status.NO_FACE, Example.Status.FAILED])
        return {
            example.pk: example.chosen.box if example.chosen else None
            for example in usable.select_related("chosen")
        }


# The worker's task that finds an example's faces, sent by name like RUN_PREDICTION_TASK.
DETECT_EXAMPLE_FACES_TASK = "classifier.tasks.detect_example_faces"


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
            current_app.send_task(DETECT_EXAMPLE_FACES_TASK, args=[self.pk])
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
        if self.embedding is None:
            return None
        return np.frombuffer(bytes(self.embedding), dtype="<f4")


@receiver(post_delete, sender=Example)
def delete_file_of_deleted_example(sender, instance: Example, **kwargs) -> None:
    """A removed example's photo goes too, once the removal is committed."""
    name, storage = instance.image.name, instance.image.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


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

    def with_faces(self) -> "PredictionQuerySet":
        """Prefetch the faces and their current reviews that pages and the API show."""
        return self.prefetch_related(models.Prefetch("faces", Face.objects.with_review()))

    # Both filter with EXISTS, not IN or a join: PostgreSQL then reads the newest rows by
    # index instead of sorting the whole table (docs/benchmarks.md, a big history).
    def reviewed(self, yes: bool = True) -> "PredictionQuerySet":
        """Photos with at least one reviewed face, or (``yes=False``) with none."""
        any_reviewed = Exists(Face.objects.filter(prediction=OuterRef("pk"), review__isnull=False))
        return self.filter(any_reviewed if yes else ~any_reviewed)

    def needing_review(self, yes: bool = True) -> "PredictionQuerySet":
        """Photos with a face the model is unsure about that nobody has decided on yet, or
        (``yes=False``) without one."""
        unsure = Exists(
            Face.objects.filter(prediction=OuterRef("pk"), needs_review=True, review__isnull=True)
        )
        return self.filter(unsure if yes else ~unsure)

    def showing(self, label: str) -> "PredictionQuerySet":
        """Finished photos where this athlete was named: on a face a reviewer said is theirs,
        or on a face the model was sure of that no reviewer corrected."""
        reviewed = Q(faces__review__label=label)
        sure = Q(faces__review__isnull=True, faces__label=label)
        return self.filter(reviewed | sure, status=Prediction.Status.DONE).distinct()

    def reusable_for(self, sha256: str, event: "Event | None" = None) -> "Prediction | None":
        """A finished prediction of the same bytes by the active model in the same event (whose
        roster shaped its answer), if there is one."""
        return (
            self.filter(
                sha256=sha256,
                event=event,
                status=Prediction.Status.DONE,
                model_version__is_active=True,
            )
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

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    label = models.CharField(max_length=100, blank=True)
    confidence = models.FloatField(null=True, blank=True)
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
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="predictions"
    )
    # A random id kept in the uploading browser's session (see PredictionQuerySet.visible_to).
    visitor = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = PredictionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("review_prediction", "Can confirm or correct predictions")]
        # The history lists newest first, filtered by whose it is, answer or status: each
        # index hands out one page of one list in order, without sorting the table
        # (docs/benchmarks.md, "A big history"). Search by file name has a trigram index on
        # PostgreSQL (migration 0007).
        # They include the id, so a deep page's offset steps over index entries, not rows
        # (classifier.pagination); SQLite ignores ``include``.
        indexes = [
            models.Index(fields=["-created_at"], include=["id"], name="prediction_recent"),
            *(
                models.Index(
                    fields=[field, "-created_at"], include=["id"], name=f"prediction_{field}_recent"
                )
                for field in ("uploader", "visitor", "label", "status")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def timing_steps(self) -> list[tuple[str, float]]:
        """``timings`` in the order the work happened; PostgreSQL's jsonb keeps no key order."""
        rank = {key: position for position, key in enumerate(TIMING_ORDER)}
        return sorted(self.timings.items(), key=lambda item: rank.get(item[0], len(rank)))

    @property
    def reused(self) -> bool:
        return self.reused_from_id is not None

    @property
    def face_list(self) -> list["Face"]:
        """This photo's faces in the order the model gave them; uses a prefetched ``faces``."""
        return list(self.faces.all())

    def copy_faces_from(self, source: "Prediction") -> None:
        """A reused result's own copies of its source's faces as the model saw them (see
        ``copy_result_from``): each upload is reviewed on its own."""
        copies = list(source.faces.all())
        for face in copies:
            face.pk, face.prediction, face.review = None, self, None
        Face.objects.bulk_create(copies)
        self.refresh_answer()  # the model's answer: the source's reviews are not copied

    def store_faces(self, result: ImageResult, embeddings: Sequence[Sequence[float]]) -> None:
        """Write the model's faces as rows, replacing any an earlier attempt left."""
        self.faces.all().delete()
        Face.objects.bulk_create(
            Face.from_result(self, position, face, embedding)
            for position, (face, embedding) in enumerate(zip(result.faces, embeddings, strict=True))
        )

    def copy_result_from(self, source: "Prediction") -> None:
        """Take the model's answer on the same bytes from a finished prediction.

        Only the computation: the files are copied under this row's own id by the caller, and
        nothing that describes the earlier upload (its name, times, wait or review) is taken.
        """
        for field in (
            "width", "height", "label", "confidence", "probabilities", "model_version",
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

    def mark_done(
        self, result: ImageResult, embeddings: Sequence[Sequence[float]], **fields
    ) -> bool:
        """Store the model's answer and its faces as rows, together or not at all."""
        with transaction.atomic():
            done = self._update_if_ours(
                status=self.Status.DONE,
                error="",
                finished_at=timezone.now(),
                label=result.label,
                confidence=result.score,
                **fields,
            )
            if done:
                self.store_faces(result, embeddings)
        return done

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

    @property
    def download_name(self) -> str:
        """``<original name>-athletes`` with the stored copy's suffix, for tagged downloads."""
        return f"{Path(self.original_name).stem}-athletes{Path(self.image.name or '').suffix}"

    def named_faces(self) -> list[NamedFace]:
        """The faces with an athlete's name: reviewers' answers first, then the model's sure
        ones, best score first; an athlete is named once."""
        names = Athlete.objects.display_names()
        faces = sorted(
            self.faces.with_review(), key=lambda face: (face.review is None, -face.score)
        )
        named, seen = [], set()
        for face in faces:
            if face.answer in names and face.answer not in seen:
                seen.add(face.answer)
                named.append(
                    NamedFace(names[face.answer], (face.x, face.y, face.width, face.height))
                )
        return named

    def caption(self, people: list[str]) -> str:
        """The settings' caption template filled in for this photo."""
        event = self.event
        day = event.date if event else timezone.localtime(self.created_at)
        values = {
            "names": joined_names(people),
            "event": event.name if event else "",
            "date": format_date(day, "j F Y"),
        }
        template = settings.ATHLETES_CAPTION_TEMPLATE
        if event is None:
            template = settings.ATHLETES_CAPTION_TEMPLATE_NO_EVENT
        try:
            return template.format_map(values).strip(" ,")
        except (KeyError, ValueError, IndexError):
            logger.warning("The caption template %r is not valid; the names are used.", template)
            return values["names"]

    def photo_tags(self) -> PhotoTags:
        """What a tagged download of this photo says."""
        faces = self.named_faces()
        people = [face.name for face in faces]
        return PhotoTags(people, faces, self.caption(people), self.width, self.height)

    @property
    def needs_review(self) -> bool:
        """A face is between the sure and the unknown lines and nobody has decided yet."""
        return any(face.needs_review and face.review_id is None for face in self.face_list)

    @property
    def names_an_athlete(self) -> bool:
        """Finished with an athlete as its answer: only then is a confidence worth showing."""
        return self.status == self.Status.DONE and self.label not in ("", UNKNOWN, NO_FACE)

    @property
    def possibly(self) -> str:
        """For an unknown photo, the athlete a face awaiting review might be ("Possibly X")."""
        if self.label != UNKNOWN:
            return ""
        unsure = [face for face in self.face_list if face.awaits_review]
        return max(unsure, key=lambda face: face.score).candidate if unsure else ""

    @property
    def is_reviewed(self) -> bool:
        return any(face.review_id is not None for face in self.face_list)

    @property
    def latest_review(self) -> "FaceReview | None":
        """The latest decision on any of its faces, for lists that show one line per photo."""
        reviews = [face.review for face in self.face_list if face.review is not None]
        return max(reviews, key=lambda review: review.reviewed_at, default=None)

    def refresh_answer(self) -> None:
        """Store the photo's answer again from its faces, after a review changed one."""
        self.label, self.confidence = photo_answer(list(self.faces.with_review()))
        Prediction.objects.filter(pk=self.pk).update(label=self.label, confidence=self.confidence)

    def redraw_annotated(self) -> None:
        """Draw the faces' current answers on the photo again, reviewers' answers marked, so
        the annotated photo agrees with the review. Called once the review is committed: a
        photo that cannot be read keeps its drawing (logged), and the review stands."""
        faces = list(self.faces.with_review())
        result = ImageResult.from_faces([face.as_result() for face in faces], len(faces), {})
        reviewed = {position for position, face in enumerate(faces) if face.review_id}
        names = self.model_version.display_names if self.model_version else {}
        try:
            with self.image.open("rb") as stored:
                image = load_image(stored.read()).image
        except (OSError, ImageRejected) as exc:
            logger.warning("Cannot redraw the faces of %s: %s", self.pk, exc)
            return
        drawn = io.BytesIO()
        annotate(image, result, names, reviewed).save(drawn, "JPEG", quality=90)
        earlier = self.annotated.name
        self.annotated.save(f"{self.pk}.jpg", ContentFile(drawn.getvalue()), save=False)
        Prediction.objects.filter(pk=self.pk).update(annotated=self.annotated.name)
        if earlier:
            delete_unused_files(self.annotated.storage, [earlier])

    def review_all_faces(self, reviewer, verdict: str, label: str = "") -> list["FaceReview"]:
        """The photo-level review, a bulk action over its faces.

        "confirm" confirms every face's answer; "correct" to ``unknown`` says that no face is
        an athlete; "correct" to an athlete names the face the photo's answer rests on.
        """
        if self.status != self.Status.DONE:
            raise ReviewError("Only finished predictions can be reviewed.")
        faces = self.face_list
        if not faces:
            raise ReviewError("No face was found in this photo: there is nothing to review.")
        if verdict == FaceReview.Verdict.CORRECT and label != UNKNOWN:
            faces = [lead_face(faces)]
        with transaction.atomic():
            return [face.record_review(reviewer, verdict, label) for face in faces]


def photo_answer(faces: Sequence["Face"]) -> tuple[str, float | None]:
    """A photo's label and confidence from its faces, reviewed answers first: the athlete a
    reviewer named, else the model's best sure face that no reviewer overruled, else
    ``unknown`` (``no_face`` without faces). The confidence is the model's score, when the
    answer is the model's candidate."""
    if not faces:
        return NO_FACE, 0.0
    named = [face for face in faces if face.review_id is not None and face.answer != UNKNOWN]
    if not named:
        named = [face for face in faces if face.review_id is None and face.label != UNKNOWN]
    if not named:
        return UNKNOWN, max(face.score for face in faces)
    best = max(named, key=lambda face: face.score)
    return best.answer, best.score if best.candidate == best.answer else None


def lead_face(faces: Sequence["Face"]) -> "Face":
    """The face a photo's answer rests on: a named one if any, the best-scored first."""
    return max(faces, key=lambda face: (face.answer != UNKNOWN, face.score))


def embedding_bytes(embedding: Sequence[float]) -> bytes:
    """An embedding as little-endian float32: 512 bytes for FaceNet's 128 numbers."""
    return np.asarray(embedding, dtype="<f4").tobytes()


class FaceQuerySet(models.QuerySet["Face"]):
    def with_review(self) -> "FaceQuerySet":
        return self.select_related("review__reviewer")

    def unreviewed(self) -> "FaceQuerySet":
        return self.filter(review__isnull=True)

    def review_queue(self) -> "FaceQuerySet":
        """Faces waiting for a reviewer: those the model is unsure about first, then the
        newest photos' faces, each photo's faces in order."""
        return (
            self.unreviewed()
            .filter(prediction__status=Prediction.Status.DONE)
            .select_related("prediction")
            .order_by("-needs_review", "-prediction__created_at", "prediction_id", "position")
        )

    def reviewed(self) -> "FaceQuerySet":
        """Faces with an embedding and a reviewer's current decision, the latest first: who
        they are, to train and to compare versions on."""
        return (
            self.filter(review__isnull=False, embedding__isnull=False)
            .select_related("review")
            .order_by("-review__reviewed_at")
        )

    def unknown(self) -> "FaceQuerySet":
        """Faces of finished photos, with an embedding, that are nobody known now: the model
        was not sure and no reviewer named them, or a reviewer said "not an athlete"."""
        return self.filter(
            Q(review__isnull=True, label=UNKNOWN) | Q(review__label=UNKNOWN),
            embedding__isnull=False,
            prediction__status=Prediction.Status.DONE,
        )

    def training_faces(self) -> list[ReviewedFace]:
        """Every reviewed face with an embedding, as training reads it (``ml.training.train``'s
        ``reviewed``): its photo, its embedding and the reviewer's answer. Training fits or
        holds out each face by its photo; a face reviewed as an athlete (confirmed, or
        corrected to them) is one of their faces, any other answer ("not X", "not an
        athlete") an impostor."""
        return [
            ReviewedFace(str(face.prediction_id), vector, face.review.label)
            for face in self.reviewed().order_by("prediction_id", "position")
            if face.review is not None and (vector := face.vector) is not None
        ]


class Face(models.Model):
    """One face the model found in a photo: where it is, its embedding and the model's answer.

    `label` is an athlete only when the model was sure, else `unknown`; `candidate` is the
    closest athlete; `needs_review` is true between the sure and the unknown lines (see
    ml.results.FaceResult). Faces stored before faces were rows have no embedding.
    """

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="faces")
    position = models.PositiveSmallIntegerField(help_text="Order in the model's result, from 0.")
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    embedding = models.BinaryField(null=True, blank=True, help_text="float32, little-endian.")
    label = models.CharField(max_length=100, db_index=True)
    candidate = models.CharField(max_length=100)
    score = models.FloatField(help_text="Cosine similarity to the candidate's centroid.")
    needs_review = models.BooleanField(default=False)
    detection_confidence = models.FloatField(null=True, blank=True)
    review = models.ForeignKey(
        "FaceReview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The current decision: the latest of the face's reviews.",
    )

    objects = FaceQuerySet.as_manager()

    class Meta:
        ordering = ["prediction", "position"]
        constraints = [
            models.UniqueConstraint(fields=["prediction", "position"], name="one_face_per_position")
        ]

    def __str__(self) -> str:
        return f"face {self.position} of {self.prediction_id}: {self.label}"

    @property
    def shown_answer(self) -> str:
        """What the model offers a reviewer: its sure athlete, or the candidate it is unsure
        about, or ``unknown``. Confirming a face confirms this."""
        if self.label == UNKNOWN and self.needs_review:
            return self.candidate
        return self.label

    @property
    def awaits_review(self) -> bool:
        return self.needs_review and self.review_id is None

    @property
    def answer(self) -> str:
        """Who this face is: the reviewer's answer when reviewed, else the model's sure one."""
        return self.review.label if self.review is not None else self.label

    def review_answer(self, verdict: str, label: str = "") -> str:
        """The answer a review with this verdict gives; raise ReviewError if it is not allowed."""
        if verdict == FaceReview.Verdict.CONFIRM:
            return self.shown_answer
        if verdict != FaceReview.Verdict.CORRECT:
            raise ReviewError(f'The verdict must be "confirm" or "correct", not "{verdict}".')
        if label not in Athlete.objects.correction_labels():
            raise ReviewError(f'"{label}" is not an athlete\'s label or "{UNKNOWN}".')
        return label

    def record_review(self, reviewer, verdict: str, label: str = "") -> "FaceReview":
        """Record a decision on this face beside what the model had said; it becomes the
        current one, earlier ones stay as history, and the photo's answer follows."""
        with transaction.atomic():
            review = FaceReview.objects.create(
                face=self,
                reviewer=reviewer,
                verdict=verdict,
                label=self.review_answer(verdict, label),
                model_label=self.label,
                model_candidate=self.candidate,
                model_score=self.score,
                model_needs_review=self.needs_review,
            )
            Face.objects.filter(pk=self.pk).update(review=review)
            self.review = review
            prediction = Prediction.objects.select_related("model_version").get(
                pk=self.prediction_id
            )
            prediction.refresh_answer()
            transaction.on_commit(prediction.redraw_annotated, robust=True)
        return review

    def as_result(self) -> FaceResult:
        """The face as the recognizer's record, with its current answer."""
        return FaceResult(
            box=(self.x, self.y, self.width, self.height),
            label=self.answer,
            candidate=self.candidate,
            score=self.score,
            needs_review=self.awaits_review,
            detection_confidence=self.detection_confidence or 0.0,
        )

    @property
    def box(self) -> list[int]:
        """``[x, y, width, height]`` in the original photo's pixels."""
        return [self.x, self.y, self.width, self.height]

    @property
    def vector(self) -> np.ndarray | None:
        """The stored embedding as a float32 array, or None for faces stored without one."""
        if self.embedding is None:
            return None
        return np.frombuffer(bytes(self.embedding), dtype="<f4")

    @classmethod
    def from_result(
        cls,
        prediction: Prediction,
        position: int,
        face: FaceResult,
        embedding: Sequence[float] | None,
    ) -> "Face":
        x, y, width, height = face.box
        return cls(
            prediction=prediction,
            position=position,
            x=x,
            y=y,
            width=width,
            height=height,
            embedding=None if embedding is None else embedding_bytes(embedding),
            label=face.label,
            candidate=face.candidate,
            score=face.score,
            needs_review=face.needs_review,
            detection_confidence=face.detection_confidence,
        )


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
    # A worker's hostname changes with every new container or machine: rows of workers silent
    # this long are forgotten, so the table keeps only the workers of the present deployment.
    FORGET_AFTER = timedelta(days=7)

    def beat(self, hostname: str) -> None:
        """Record that the worker ``hostname`` is alive now, and forget long-gone workers."""
        now = timezone.now()
        self.update_or_create(hostname=hostname, defaults={"seen_at": now})
        self.forget_silent_since(now - self.FORGET_AFTER)

    def forget_silent_since(self, moment: datetime) -> None:
        self.filter(seen_at__lt=moment).delete()

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


class FaceReview(models.Model):
    """One reviewer's decision on one face, beside what the model had said. Every decision is
    kept; the latest is the face's current one (``Face.review``).

    "correct" to ``unknown`` is "not an athlete"; with ``model_candidate`` it says "not X",
    an impostor face for X that training can use.
    """

    class Verdict(models.TextChoices):
        CONFIRM = "confirm"
        CORRECT = "correct"

    face = models.ForeignKey(Face, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField(default=timezone.now)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    label = models.CharField(max_length=100, help_text="Who the face is, by this decision.")
    model_label = models.CharField(max_length=100)
    model_candidate = models.CharField(max_length=100)
    model_score = models.FloatField()
    model_needs_review = models.BooleanField()

    class Meta:
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.verdict}: {self.label}"
