"""Roster imports: a league's people and photos enrolled at once, in the worker, with a report.

The web checks the roster can be read (``ml.roster``) and stores the file; the worker
(``classifier.worker.roster_import``) enrols each person and writes their line of the report
as it goes, so the page and the API show progress. One import at a time per user: a database
constraint holds it, whatever two requests race.
"""

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from classifier import task_names
from classifier.models.versions import Busy, ModelVersion
from ml import fetch, roster

logger = logging.getLogger(__name__)

TABLE_SUFFIXES = (".csv", ".json")


def roster_limits() -> roster.Limits:
    """The caps on what an import reads, from the settings."""
    return roster.Limits(
        max_photo_bytes=settings.ATHLETES_MAX_UPLOAD_BYTES,
        max_unpacked_bytes=settings.ATHLETES_MAX_IMPORT_UNPACKED_BYTES,
        download=fetch.Limits(
            deadline=settings.ATHLETES_FETCH_DEADLINE_SECONDS,
            max_bytes=settings.ATHLETES_MAX_UPLOAD_BYTES,
            allowed_networks=fetch.networks(settings.ATHLETES_FETCH_ALLOWED_NETWORKS),
        ),
    )


def open_roster(path: Path, name: str) -> tuple[roster.Roster, roster.Photos]:
    """The roster in a zip, a table or a server folder (by ``name``); raise RosterRejected."""
    limits = roster_limits()
    if path.is_dir():
        return roster.read_folder(path, limits)
    if name.lower().endswith(TABLE_SUFFIXES):
        with path.open("rb") as table:
            data = table.read(limits.max_table_bytes + 1)
        return roster.read_table(data, name, limits), roster.Photos(limits)
    return roster.read_zip(path, limits)


class ImportRefused(Exception):
    """The import was not started; ``str()`` says why, for the user."""


class AlreadyImporting(ImportRefused):
    """The user's last import is still running."""


class RosterImportQuerySet(models.QuerySet["RosterImport"]):
    def unfinished(self) -> "RosterImportQuerySet":
        return self.filter(status__in=RosterImport.UNFINISHED)

    def visible_to(self, user) -> "RosterImportQuerySet":
        """A user's own imports; a superuser's view takes in everyone's."""
        return self if user.is_superuser else self.filter(created_by=user)

    def start(self, user, upload: UploadedFile, *, train: bool = False) -> "RosterImport":
        """Check ``upload`` is a roster we can read, store it and queue its import; raise
        ImportRefused saying why not (unreadable, hostile, or another import still running)."""
        name = (upload.name or "roster")[:255]
        if (upload.size or 0) > settings.ATHLETES_MAX_IMPORT_BYTES:
            raise ImportRefused(
                f"{name} is {upload.size:,} bytes; an import may be "
                f"{settings.ATHLETES_MAX_IMPORT_BYTES:,}."
            )
        if self.unfinished().filter(created_by=user).exists():
            raise AlreadyImporting(RosterImport.ONE_AT_A_TIME)
        try:
            people = RosterImport.count_people(upload, name)
        except roster.RosterRejected as exc:
            raise ImportRefused(str(exc)) from exc
        roster_import = RosterImport(
            created_by=user, source_name=name, train=train, people_total=people
        )
        try:
            with transaction.atomic():
                upload.seek(0)
                roster_import.source.save(secrets.token_hex(16), upload, save=False)
                roster_import.save()
                transaction.on_commit(roster_import.send, robust=True)
        except IntegrityError as exc:  # another request started one meanwhile
            roster_import.source.delete(save=False)
            raise AlreadyImporting(RosterImport.ONE_AT_A_TIME) from exc
        return roster_import


class RosterImport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    UNFINISHED = [Status.QUEUED, Status.RUNNING]
    # A running import that finished nobody for this long lost its worker.
    STALE_AFTER = timedelta(minutes=15)
    ONE_AT_A_TIME = "Your last import is still running: wait for it to finish."

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="roster_imports",
    )
    created_at = models.DateTimeField(default=timezone.now)
    progressed_at = models.DateTimeField(
        default=timezone.now, help_text="When the worker last finished a person, or started."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    source_name = models.CharField(max_length=255, help_text="The file's name, or the folder.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True, help_text="Why the whole import failed, in words.")
    train = models.BooleanField(default=False, help_text="Train a new model once done.")
    people_total = models.PositiveIntegerField(default=0)
    people_done = models.PositiveIntegerField(default=0)
    photos_added = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True, help_text="Rows and files skipped.")
    report = models.JSONField(default=list, blank=True, help_text="One entry per person.")
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RosterImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by"],
                condition=Q(status__in=["queued", "running"]),
                name="one_unfinished_import_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"import of {self.source_name} ({self.status})"

    @staticmethod
    def count_people(upload: UploadedFile, name: str) -> int:
        """How many people the roster names; raise RosterRejected if it cannot be read."""
        limits = roster_limits()
        upload.seek(0)
        if name.lower().endswith(TABLE_SUFFIXES):
            return len(roster.read_table(upload.read(), name, limits).people)
        people, photos = roster.read_zip(upload, limits)
        photos.close()
        return len(people.people)

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        return 100 * self.people_done // self.people_total if self.people_total else 0

    def send(self) -> None:
        """Hand the import to the workers; if the broker is down, say so on the import."""
        try:
            current_app.send_task(task_names.IMPORT_ROSTER, args=[self.pk])
        except OperationalError as exc:
            logger.warning("Broker unavailable, import %s not sent: %s", self.pk, exc)
            self.fail("The worker could not be reached; nothing was imported. Try again.")

    def claim(self) -> bool:
        """Take this import for the worker: a queued one, or a running one whose worker was
        lost (no person finished for ``STALE_AFTER``); False otherwise. A long import's
        message handed to a second worker by the broker's visibility timeout finds it still
        progressing, and leaves it alone."""
        now = timezone.now()
        waiting = Q(status=self.Status.QUEUED) | Q(
            status=self.Status.RUNNING, progressed_at__lt=now - self.STALE_AFTER
        )
        updated = RosterImport.objects.filter(waiting, pk=self.pk).update(
            status=self.Status.RUNNING, progressed_at=now
        )
        self.refresh_from_db()
        return bool(updated)

    def begin(self, people: int, problems: list[str]) -> None:
        """Start (or start again, after a lost worker) with the roster's count and problems."""
        self.people_total, self.problems = people, problems
        self.people_done, self.photos_added, self.report = 0, 0, []
        self.save(update_fields=["people_total", "problems", "people_done", "photos_added",
                                 "report"])  # fmt: skip

    def record_person(self, entry: dict[str, Any]) -> None:
        """Add one person's line to the report, and count them done."""
        self.report = [*self.report, entry]
        self.people_done += 1
        self.photos_added += entry["added"]
        self.progressed_at = timezone.now()
        self.save(update_fields=["report", "people_done", "photos_added", "progressed_at"])

    def finish(self) -> None:
        self.status, self.finished_at = self.Status.DONE, timezone.now()
        if self.train:
            try:
                self.model_version = ModelVersion.objects.start_training(self.created_by)
            except Busy as exc:  # the import is done all the same; training is one click
                self.problems = [*self.problems, f"Not trained: {exc}"]
        self.save(update_fields=["status", "finished_at", "model_version", "problems"])

    def fail(self, reason: str) -> None:
        RosterImport.objects.filter(pk=self.pk).update(
            status=self.Status.FAILED, error=reason, finished_at=timezone.now()
        )
        self.refresh_from_db()

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(len(entry["problems"]) for entry in self.report)

    def new_people(self) -> int:
        return sum(1 for entry in self.report if entry["new"])
