"""The workers' heartbeats, so the web knows whether anyone is processing the queue."""

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone


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
