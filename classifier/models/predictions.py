"""Uploaded photos (predictions), the faces the model found in them, and reviewers' decisions
on those faces."""

import logging
import uuid
from collections.abc import Sequence
from contextlib import suppress
from datetime import date, datetime, time, timedelta
from functools import partial

import numpy as np
from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError

from classifier import task_names
from classifier.models.athletes import UPLOAD_TO_EVENT, Athlete, Event
from classifier.models.drawing import redraw_annotated
from classifier.models.embeddings import embedding_bytes, embedding_vector
from classifier.models.versions import ModelVersion
from ml.normalisation import MAX_COHORT
from ml.results import NO_FACE, NOT_A_FACE, UNKNOWN, FaceResult, ImageResult, photo_answer
from ml.reviewed import ReviewedFace

logger = logging.getLogger(__name__)

# The backend that knows Django's permissions, for listing who holds one.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


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


def start_of(day: date) -> datetime:
    """The first moment of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class PredictionQuerySet(models.QuerySet["Prediction"]):
    def visible_to(self, user, visitor: str = "") -> "PredictionQuerySet":
        """The predictions a visitor may list, and reach through anything but their own id.

        The one rule of who sees which photo: lists, and every endpoint that reaches a photo
        through a face's or another record's number, go through it. A prediction's own page
        and API resource are open to whoever has its id: ids are random UUIDs, so the link
        itself is the permission, and it is what a user shares. Users with the
        ``classifier.view_prediction`` permission see every prediction; reviewers
        (``classifier.review_prediction``) every finished one, as the review queue hands
        them every finished photo's faces; a signed-in user sees their own uploads, and an
        anonymous visitor the uploads stamped with ``visitor``, the random id their browser
        session holds (``classifier.uploads.visitor_id``).
        """
        if user.has_perm("classifier.view_prediction"):
            return self
        own = Q(visitor=visitor) if visitor else Q(pk__in=[])
        if user.is_authenticated:
            own |= Q(uploader=user)
        if user.has_perm("classifier.review_prediction"):
            own |= Q(status=Prediction.Status.DONE)
        return self.filter(own)

    def from_event_uploaders(self) -> "PredictionQuerySet":
        """The uploads of accounts that may upload into every event, and those made on the
        server (``manage.py ingest``: no uploader, no visitor): what an event's zip holds
        unless asked for every upload, so that a stranger's photo in an open event is never
        filed and captioned as the desk's without someone choosing it."""
        uploaders = get_user_model().objects.with_perm(UPLOAD_TO_EVENT, backend=MODEL_BACKEND)
        return self.filter(Q(uploader__in=uploaders) | Q(uploader=None, visitor=""))

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

    def search(self, text: str) -> "PredictionQuerySet":
        """Photos whose file name holds ``text``, or where an athlete whose name holds it was
        named (as ``showing`` reads it)."""
        by_file_name = Q(original_name__icontains=text)
        labels = list(
            Athlete.objects.filter(display_name__icontains=text).values_list("label", flat=True)
        )
        if not labels:
            # A file name, most often: the trigram index answers it alone. With the faces'
            # subquery beside it, PostgreSQL read every face: 500 ms at 200,000 faces.
            return self.filter(by_file_name)
        named = Face.objects.filter(
            Q(review__label__in=labels) | Q(review__isnull=True, label__in=labels),
            prediction=OuterRef("pk"),
        )
        return self.filter(by_file_name | Exists(named))

    def uploaded_between(self, first: date | None, last: date | None) -> "PredictionQuerySet":
        """Photos uploaded from the day ``first`` to the day ``last``, both included, in the
        site's time zone; a range of times, so the newest-first index still serves it. The
        calendar's first and last days bound nothing: their edges are no moment in every time
        zone (``?until=9999-12-31`` once failed), and nothing was uploaded then."""
        photos = self
        if first is not None and first > date.min:
            photos = photos.filter(created_at__gte=start_of(first))
        if last is not None and last < date.max - timedelta(days=1):
            photos = photos.filter(created_at__lt=start_of(last + timedelta(days=1)))
        return photos

    def last_batch(self, user) -> uuid.UUID | None:
        """The batch of the latest photos this signed-in user sent."""
        if not user.is_authenticated:
            return None
        latest = self.filter(uploader=user, batch__isnull=False).order_by("-created_at")
        return latest.values_list("batch", flat=True).first()

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
            source="",
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

    def delete_unused_files(self, storage: Storage, names: list[str]) -> None:
        """Delete the files that no prediction stores any more."""
        for name in names:
            if not self.using_file(name).exists():
                storage.delete(name)

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
    # A random id kept in the uploading browser's session (see PredictionQuerySet.visible_to);
    # empty for an upload made on the server (classifier.uploads.visitor_stamp).
    visitor = models.CharField(max_length=32, blank=True)
    # The uploader's address as a keyed hash (classifier.web.throttling.address_key), stamped on
    # upload to count each address's share of the queue; cleared when a worker takes the photo.
    source = models.CharField(max_length=32, blank=True)
    # The photos sent together (one form, one drop on the page), for the review queue's
    # "your last upload" scope.
    batch = models.UUIDField(null=True, blank=True, db_index=True)
    # The rights, credit, caption, keywords and capture date the sent file carried, and its GPS
    # position if the uploader kept it ({exiftool tag: value}, classifier.desk.credits); the
    # stored copy has no metadata, and tagged downloads write these back.
    credits = models.JSONField(default=dict, blank=True)
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
        # (classifier.web.pagination); SQLite ignores ``include``.
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
        """This photo's faces left to right, as captions name them and pages and drawings
        number them (``ml.annotate.left_to_right``), without those a reviewer said are not
        faces; uses a prefetched ``faces``."""
        kept = [face for face in self.faces.all() if not face.discarded]
        return sorted(kept, key=lambda face: (face.x, face.position))

    def copy_faces_from(self, source: "Prediction") -> None:
        """A reused result's own copies of its source's faces as the model saw them (see
        ``copy_result_from``): each upload is reviewed on its own."""
        from classifier.models.people import Person  # people.py builds on this module

        copies = list(source.faces.all())
        for face in copies:
            face.pk, face.prediction, face.review = None, self, None
        Face.objects.bulk_create(copies)
        self.refresh_answer()  # the model's answer: the source's reviews are not copied
        # The same bytes show the same person: a copy joins its source's group, and settles
        # from there as its answer differs (a reviewed source's copy is unknown again).
        Person.objects.recount(face.person_id for face in copies if face.person_id)
        Person.objects.settle(self.faces.select_related("prediction", "review"))

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
        nothing that describes the earlier upload (its name, times, wait, review or credits, which
        hold its uploader's choice on the GPS position) is taken.
        """
        for field in ("width", "height", "label", "confidence", "model_version"):
            setattr(self, field, getattr(source, field))
        self.timings = {step: ms for step, ms in source.timings.items() if step != "queue_ms"}
        self.reused_from = source.reused_from or source
        self.status = self.Status.DONE
        self.started_at = self.finished_at = timezone.now()

    def enqueue(self) -> bool:
        """Send this prediction to the workers; if the broker is down, leave it queued for the
        sweep (``PredictionQuerySet.requeue_stale``)."""
        try:
            current_app.send_task(task_names.RUN_PREDICTION, args=[str(self.pk)])
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

    @property
    def tagged_folder(self) -> str:
        """Where the tagged copy of this photo is kept (``classifier.desk.prediction_tags``):
        one file, named by the tags written into it."""
        return f"tagged/{self.pk}"

    def delete_tagged_copies(self, keep: str = "") -> None:
        """Delete the stored tagged copies of this photo, all but the one named ``keep``."""
        delete_folder(self.image.storage, self.tagged_folder, keep)

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
    def shown_confidence(self) -> float | None:
        """The percentage pages show beside the answer: the model's, for an athlete it named;
        none once a reviewer gave the answer (pages say "reviewed" instead)."""
        if not self.names_an_athlete:
            return None
        if any(face.reviewed and face.answer == self.label for face in self.face_list):
            return None
        return self.confidence

    @property
    def review_summary(self) -> str:
        """The photo's review in a line, over all its faces: "2 of 3 faces reviewed (1
        confirmed, 1 corrected); 1 needs review"."""
        faces = self.face_list
        if not faces:
            return "No face to review"
        reviews = [face.review for face in faces if face.review is not None]
        waiting = sum(face.awaits_review for face in faces)
        needs = f"{waiting} need{'s' if waiting == 1 else ''} review" if waiting else ""
        if not reviews:
            return f"Not reviewed yet; {needs}" if needs else "Not reviewed yet"
        confirmed = sum(review.verdict == FaceReview.Verdict.CONFIRM for review in reviews)
        verdicts = ", ".join(
            f"{count} {word}"
            for count, word in ((confirmed, "confirmed"), (len(reviews) - confirmed, "corrected"))
            if count
        )
        done = (
            f"{'The face' if len(faces) == 1 else f'All {len(faces)} faces'} reviewed"
            if len(reviews) == len(faces)
            else f"{len(reviews)} of {len(faces)} faces reviewed"
        )
        return f"{done} ({verdicts})" + (f"; {needs}" if needs else "")

    @property
    def latest_review(self) -> "FaceReview | None":
        """The latest decision on any of its faces, for lists that show one line per photo."""
        reviews = [face.review for face in self.face_list if face.review is not None]
        return max(reviews, key=lambda review: review.reviewed_at, default=None)

    def refresh_answer(self) -> None:
        """Store the photo's answer again from its faces, after a review changed one."""
        self.label, self.confidence = photo_answer(list(self.faces.with_review()))
        Prediction.objects.filter(pk=self.pk).update(label=self.label, confidence=self.confidence)

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


def lead_face(faces: Sequence["Face"]) -> "Face":
    """The face a photo's answer rests on: a named one if any, the best-scored first."""
    return max(faces, key=lambda face: (face.answer != UNKNOWN, face.score))


class ReviewScope(models.TextChoices):
    """Which waiting faces the review queue shows: the flagged ones by default."""

    FLAGGED = "flagged", "Flagged only"
    EVENT = "event", "This event"
    BATCH = "batch", "Your last upload"
    ALL = "all", "All waiting"


class FaceQuerySet(models.QuerySet["Face"]):
    def with_review(self) -> "FaceQuerySet":
        return self.select_related("review__reviewer")

    def visible_to(self, user, visitor: str = "") -> "FaceQuerySet":
        """The faces of the photos a visitor may list (``PredictionQuerySet.visible_to``):
        a face's number is no permission to see its photo."""
        return self.filter(prediction__in=Prediction.objects.visible_to(user, visitor))

    def unreviewed(self) -> "FaceQuerySet":
        return self.filter(review__isnull=True)

    def review_queue(
        self, scope: str = "all", event: int | None = None, batch: uuid.UUID | None = None
    ) -> "FaceQuerySet":
        """Faces waiting for a reviewer: those the model is unsure about first, then the
        newest photos' faces, each photo's faces in order. ``scope`` (``ReviewScope``) narrows
        them to the flagged ones, one event's or one upload batch's."""
        faces = self.unreviewed().filter(prediction__status=Prediction.Status.DONE)
        if scope == ReviewScope.FLAGGED:
            faces = faces.filter(needs_review=True)
        elif scope == ReviewScope.EVENT:
            faces = faces.filter(prediction__event=event) if event else faces.none()
        elif scope == ReviewScope.BATCH:
            faces = faces.filter(prediction__batch=batch) if batch else faces.none()
        return faces.select_related("prediction").order_by(
            "-needs_review", "-prediction__created_at", "prediction_id", "position"
        )

    def review_queue_counts(
        self,
        events: "models.QuerySet[Event]",
        event: int | None = None,
        batch: uuid.UUID | None = None,
    ) -> dict[str, object]:
        """Faces waiting in each scope of the review queue, for the review page's choice: the
        flagged ones, ``batch``'s, all, and per event for those of ``events`` (the ones the
        reviewer may list) with faces waiting (and ``event``, with 0 if none wait in it)."""
        by_event = dict(
            self.review_queue()
            .filter(prediction__event__isnull=False)
            .order_by()
            .values_list("prediction__event")
            .annotate(count=models.Count("pk"))
        )
        listed = events.filter(pk__in={*by_event, event or 0})
        return {
            ReviewScope.FLAGGED: self.review_queue(ReviewScope.FLAGGED).count(),
            ReviewScope.BATCH: self.review_queue(ReviewScope.BATCH, batch=batch).count(),
            ReviewScope.ALL: self.review_queue().count(),
            "events": [(each, by_event.get(each.pk, 0)) for each in listed],
        }

    def kept(self) -> "FaceQuerySet":
        """Faces no reviewer said are not faces (``NOT_A_FACE``)."""
        return self.exclude(review__label=NOT_A_FACE)

    def reviewed(self) -> "FaceQuerySet":
        """Faces with an embedding and a reviewer's current decision, the latest first: who
        they are, to train and to compare versions on. A false detection is neither."""
        return (
            self.kept()
            .filter(review__isnull=False, embedding__isnull=False)
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

    def nobody_named(self) -> "FaceQuerySet":
        """Faces with an embedding that nobody ever named: unknown to the model, not flagged
        as possibly someone, and never reviewed. Strangers, bystanders mostly."""
        return self.filter(
            label=UNKNOWN, needs_review=False, review__isnull=True, embedding__isnull=False
        )

    def cohort(self, limit: int = MAX_COHORT) -> list[np.ndarray]:
        """The embeddings of the newest ``limit`` faces nobody named. Probably not enrolled,
        they are the strangers this site photographs, the cohort training normalises scores
        against (``ml.normalisation``)."""
        rows = (
            self.nobody_named()
            .filter(prediction__status=Prediction.Status.DONE)
            .order_by("-pk")
            .values_list("embedding", flat=True)[:limit]
        )
        return [vector for stored in rows if (vector := embedding_vector(stored)) is not None]

    def bystanders(self, uploaded_before: datetime) -> "FaceQuerySet":
        """The faces nobody named of photos uploaded before ``uploaded_before``, but for those
        in a group staff arranged on People: whose embeddings retention clears. A face
        waiting for a review keeps its embedding, which the review trains on."""
        return (
            self.nobody_named()
            .filter(prediction__created_at__lt=uploaded_before)
            .exclude(person__arranged=True)
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
    off_roster = models.CharField(
        max_length=100,
        blank=True,
        help_text="The athlete the model would have named, left out by the event's roster.",
    )
    review = models.ForeignKey(
        "FaceReview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The current decision: the latest of the face's reviews.",
    )
    person = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faces",
        help_text="Its group on People while it is an unknown face.",
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

    @property
    def reviewed(self) -> bool:
        return self.review_id is not None

    @property
    def discarded(self) -> bool:
        """A reviewer said it is not a face: it is shown, drawn, grouped and trained on
        nowhere."""
        return self.answer == NOT_A_FACE

    def review_answer(self, verdict: str, label: str = "") -> str:
        """The answer a review with this verdict gives; raise ReviewError if it is not allowed."""
        if verdict == FaceReview.Verdict.CONFIRM:
            return self.shown_answer
        if verdict != FaceReview.Verdict.CORRECT:
            raise ReviewError(f'The verdict must be "confirm" or "correct", not "{verdict}".')
        if label != NOT_A_FACE and label not in Athlete.objects.correction_labels():
            raise ReviewError(
                f'"{label}" is not an athlete\'s label, "{UNKNOWN}" or "{NOT_A_FACE}".'
            )
        return label

    def record_review(self, reviewer, verdict: str, label: str = "") -> "FaceReview":
        """Record a decision on this face beside what the model had said; it becomes the
        current one, earlier ones stay as history, and the photo's answer follows, and so does
        its place on People (named: out of its group; unknown again: into one)."""
        from classifier.models.people import Person  # people.py builds on this module

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
            self.prediction = prediction
            Person.objects.settle([self])
            transaction.on_commit(partial(redraw_annotated, prediction), robust=True)
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
            off_roster=self.off_roster,
        )

    @property
    def box(self) -> list[int]:
        """``[x, y, width, height]`` in the original photo's pixels."""
        return [self.x, self.y, self.width, self.height]

    @property
    def vector(self) -> np.ndarray | None:
        """The stored embedding as a float32 array, or None for faces stored without one."""
        return embedding_vector(self.embedding)

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
            off_roster=face.off_roster,
        )


def delete_folder(storage: Storage, folder: str, keep: str = "") -> None:
    """Delete the files of ``folder`` in ``storage``, all but the one named ``keep``."""
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        if f"{folder}/{name}" != keep:
            storage.delete(f"{folder}/{name}")


@receiver(post_delete, sender=Prediction)
def delete_files_of_deleted_prediction(sender, instance: Prediction, **kwargs) -> None:
    """A deleted prediction's photo, thumbnail and annotated photo go too, once the deletion is
    committed (a rolled-back deletion keeps them), and only if no other row stores them; so do
    its tagged copies, which are its own."""
    names, storage = instance.file_names, instance.image.storage
    transaction.on_commit(
        lambda: Prediction.objects.delete_unused_files(storage, names), robust=True
    )
    folder = instance.tagged_folder  # the instance loses its id once deleted
    transaction.on_commit(lambda: delete_folder(storage, folder), robust=True)


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
