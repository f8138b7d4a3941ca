"""Limits on uploads, shared by the API and the HTML form.

Photos are counted, not requests: a form with 20 photos counts 20. Each visitor (a signed-in
user, or else a client address) may send ``ATHLETES_UPLOAD_RATE`` photos (``60/min``) and
``ATHLETES_DAILY_UPLOAD_QUOTA`` a day; staff are exempt. Counts live in the shared cache (the
database's cache table unless ``CACHE_URL`` names Redis), so every web process sees the same
ones. When more than ``ATHLETES_MAX_BACKLOG`` photos wait in the queue, everyone's uploads get a
503 with ``Retry-After`` until the workers catch up.
"""

import contextlib
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import APIException
from rest_framework.throttling import BaseThrottle

from classifier.models import Prediction

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DAY = 86400


class UploadRefused(APIException):
    """Not now: 429 (this visitor's limit) or 503 (the queue is full), with when to retry."""

    def __init__(self, status: int, message: str, wait: int):
        super().__init__(message)
        self.status_code = status
        self.wait = wait  # seconds; DRF sends it as Retry-After


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/min"`` → (60, 60): photos per period of seconds."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0]]


def take(key: str, count: int, limit: int, seconds: int) -> str | None:
    """Add ``count`` to the counter of the current window of ``seconds`` unless that passes
    ``limit``; return the window's cache key, or None when nothing was taken."""
    window = f"{key}:{int(time.time() // seconds)}"
    cache.add(window, 0, timeout=seconds)
    try:
        total = cache.incr(window, count)  # atomic in Redis
    except ValueError:  # the window expired between the two calls
        cache.set(window, count, timeout=seconds)
        total = count
    if total <= limit:
        return window
    give_back(window, count)
    return None


def give_back(window: str, count: int) -> None:
    with contextlib.suppress(ValueError):  # already expired: nothing to give back
        cache.decr(window, count)


def seconds_left(seconds: int) -> int:
    return int(seconds - time.time() % seconds) + 1


def admit_photos(request, count: int) -> None:
    """Count ``count`` photos against the queue and this visitor's limits; raise UploadRefused
    (with nothing counted) when one of them would pass."""
    waiting = Prediction.objects.filter(status=Prediction.Status.QUEUED).count()
    if waiting + count > settings.ATHLETES_MAX_BACKLOG:
        raise UploadRefused(
            503,
            "Too many photos are waiting to be analysed. Try again in a minute.",
            settings.ATHLETES_BACKLOG_RETRY_AFTER,
        )
    user = request.user
    if user.is_staff:
        return
    ident = f"user-{user.pk}" if user.is_authenticated else BaseThrottle().get_ident(request)
    per_period, period = parse_rate(settings.ATHLETES_UPLOAD_RATE)
    rate_window = take(f"uploads:rate:{ident}", count, per_period, period)
    if rate_window is None:
        raise UploadRefused(
            429,
            f"Too many uploads: at most {settings.ATHLETES_UPLOAD_RATE} photos. Wait, then retry.",
            seconds_left(period),
        )
    if take(f"uploads:day:{ident}", count, settings.ATHLETES_DAILY_UPLOAD_QUOTA, DAY) is None:
        give_back(rate_window, count)
        raise UploadRefused(
            429,
            f"Daily limit reached: at most {settings.ATHLETES_DAILY_UPLOAD_QUOTA} photos a day.",
            seconds_left(DAY),
        )
