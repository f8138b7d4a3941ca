"""Is the queue moving? What the banner on every page tells users, read from the database alone:
the workers' heartbeats and the oldest queued photo (the web never asks the broker or loads the
model for it)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from classifier.models import Prediction, WorkerHeartbeat


@dataclass(frozen=True)
class QueueHealth:
    worker_seen_at: datetime | None
    oldest_queued_at: datetime | None
    # No worker has been alive for ATHLETES_WORKER_SILENT_AFTER_SECONDS, or none ever was.
    worker_silent: bool
    # A queued photo has waited longer than ATHLETES_QUEUE_SLOW_AFTER_SECONDS.
    queue_slow: bool


def queue_health() -> QueueHealth:
    now = timezone.now()
    seen = WorkerHeartbeat.objects.last_seen()
    oldest = Prediction.objects.oldest_queued_at()
    silent_after = timedelta(seconds=settings.ATHLETES_WORKER_SILENT_AFTER_SECONDS)
    slow_after = timedelta(seconds=settings.ATHLETES_QUEUE_SLOW_AFTER_SECONDS)
    return QueueHealth(
        worker_seen_at=seen,
        oldest_queued_at=oldest,
        worker_silent=seen is None or now - seen > silent_after,
        queue_slow=oldest is not None and now - oldest > slow_after,
    )
