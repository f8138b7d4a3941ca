"""An event's export, built by the worker and kept a while: tagging a whole event costs seconds of
exiftool per fifty photos, which no web request should wait for or repeat."""

import logging
import uuid
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError

from classifier import task_names
from classifier.models.athletes import Event
from classifier.models.predictions import Prediction

logger = logging.getLogger(__name__)


class EventExportQuerySet(models.QuerySet["EventExport"]):
    def expired(self) -> "EventExportQuerySet":
        kept_since = timezone.now() - timedelta(seconds=settings.ATHLETES_EXPORT_KEEP_SECONDS)
        return self.filter(created_at__lt=kept_since)

    def delete_expired(self) -> None:
        """Delete the exports kept past ``ATHLETES_EXPORT_KEEP_SECONDS``, their zips too
        (``delete_zip_of_deleted_export``)."""
        self.expired().delete()

    def kept(self, event: Event, key: str) -> "EventExport | None":
        """The kept export of exactly these photos saying exactly this (``key``), if any. A
        failed one is returned once, for its reason, and forgotten: the next request starts
        again."""
        self.delete_expired()
        found = self.filter(event=event, key=key).order_by("-created_at").first()
        if found is not None and found.status == EventExport.Status.FAILED:
            EventExport.objects.filter(pk=found.pk).delete()
        return found

    def start(self, event: Event, key: str, photos: list[Prediction]) -> "EventExport":
        """A new export of these photos, queued for the worker once this transaction commits:
        only where ``kept`` found none, and the caller's tagging limit allowed it."""
        created = self.create(event=event, key=key, photos=[str(photo.pk) for photo in photos])
        transaction.on_commit(created.send, robust=True)
        return created


class EventExport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="exports")
    # What the zip holds: its photos and what each says (classifier.desk.event_zip.export_key).
    key = models.CharField(max_length=64)
    photos = models.JSONField(default=list, help_text="The predictions' ids, in the zip's order.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = EventExportQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["event", "key"], name="export_event_key")]

    def __str__(self) -> str:
        return f"export of {self.event} ({self.status})"

    def send(self) -> None:
        """Hand the export to the workers; if the broker is down, say so on the export."""
        try:
            current_app.send_task(task_names.BUILD_EVENT_EXPORT, args=[str(self.pk)])
        except OperationalError as exc:
            logger.warning("Broker unavailable, export %s not sent: %s", self.pk, exc)
            self.fail("The worker could not be reached. Try again in a minute.")

    def finish(self) -> bool:
        """Record the built zip; False when the row is gone (its event was deleted)."""
        fields = {"file": self.file.name, "status": self.status, "finished_at": self.finished_at}
        return bool(EventExport.objects.filter(pk=self.pk).update(**fields))

    def fail(self, reason: str) -> None:
        self.status, self.error, self.finished_at = self.Status.FAILED, reason, timezone.now()
        EventExport.objects.filter(pk=self.pk).update(
            status=self.status, error=reason, finished_at=self.finished_at
        )

    def ordered_photos(self) -> list[Prediction]:
        """The photos still there, in the zip's order."""
        found = {
            str(prediction.pk): prediction
            for prediction in Prediction.objects.filter(pk__in=self.photos)
            .select_related("event")
            .with_faces()
        }
        return [found[pk] for pk in self.photos if pk in found]


@receiver(post_delete, sender=EventExport)
def delete_zip_of_deleted_export(sender, instance: EventExport, **kwargs) -> None:
    """A deleted export's zip goes too, once the deletion is committed: expired, failed, or
    deleted with its event or with a photo it holds."""
    if name := instance.file.name:
        storage = instance.file.storage
        transaction.on_commit(lambda: storage.delete(name), robust=True)


@receiver(post_delete, sender=Prediction)
def delete_exports_holding_deleted_photo(sender, instance: Prediction, **kwargs) -> None:
    """The kept exports holding a deleted photo go with it: deleting a photo deletes every
    copy of it the site keeps, the tagged ones in a zip too."""
    if instance.event_id is None:
        return
    photo = str(instance.pk)
    exports = EventExport.objects.filter(event_id=instance.event_id).only("photos", "file")
    holding = [export.pk for export in exports if photo in export.photos]
    if holding:
        EventExport.objects.filter(pk__in=holding).delete()
