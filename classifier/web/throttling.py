"""Limits on uploads, shared by the API and the HTML form, and on sign-ups.

Photos are counted, not requests: a form with 20 photos counts 20. Each signed-in user and each
client address may send ``ATHLETES_UPLOAD_RATE`` photos (``60/min``) and
``ATHLETES_DAILY_UPLOAD_QUOTA`` a day, and a signed-in user's photos count against both their
account and their address, so new accounts from one address bring no fresh limits; staff are
exempt. Counts live in the shared cache (the database's cache table unless ``CACHE_URL`` names
Redis), so every web process sees the same ones. When more than ``ATHLETES_MAX_BACKLOG`` photos
wait in the queue, everyone's uploads get a 503 with ``Retry-After`` until the workers catch up;
one account or address may have ``ATHLETES_BACKLOG_SHARE`` of them waiting, so one client cannot
fill the queue for everyone. Tagged downloads and event exports are counted the same way, by
``ATHLETES_TAGGING_RATE``.
"""

import contextlib
import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from rest_framework.exceptions import APIException
from rest_framework.throttling import BaseThrottle

from classifier.models import Event, EventExport, Prediction

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


def take_all(keys: list[str], count: int, limit: int, seconds: int) -> list[str] | None:
    """``take`` from every one of ``keys`` or from none: the windows taken, or None (with
    nothing taken) when one of them would pass ``limit``."""
    taken: list[str] = []
    for key in keys:
        window = take(key, count, limit, seconds)
        if window is None:
            for each in taken:
                give_back(each, count)
            return None
        taken.append(window)
    return taken


def give_back(window: str, count: int) -> None:
    with contextlib.suppress(ValueError):  # already expired: nothing to give back
        cache.decr(window, count)


def seconds_left(seconds: int) -> int:
    return int(seconds - time.time() % seconds) + 1


def address_key(request) -> str:
    """The client's address as a keyed hash, stamped on its queued photos
    (``Prediction.source``) to count its share of the queue without storing the address."""
    address = BaseThrottle().get_ident(request)
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def limit_idents(request) -> list[str]:
    """Whom a limit counts: the client's address, and the signed-in user too; each has its own
    count and the stricter wins, so new accounts from one address bring no fresh limits."""
    idents = [BaseThrottle().get_ident(request)]
    if request.user.is_authenticated:
        idents.append(f"user-{request.user.pk}")
    return idents


def take_tagging(request) -> int | None:
    """Count one tagged download or new event export against the account's and the address's
    ``ATHLETES_TAGGING_RATE``: each may start exiftool, the most expensive thing an anonymous
    request can do. None when counted (staff are exempt), else the seconds to wait."""
    if request.user.is_staff:
        return None
    limit, seconds = parse_rate(settings.ATHLETES_TAGGING_RATE)
    keys = [f"tagging:{ident}" for ident in limit_idents(request)]
    return None if take_all(keys, 1, limit, seconds) is not None else seconds_left(seconds)


def kept_or_new_export(request, event: Event, key: str, photos: list[Prediction]) -> EventExport:
    """The kept export of these photos saying this (``key``), or a new one for the worker if
    the caller's tagging limit allows it, from the API and the event's page alike: only a new
    export may start exiftool, so only it counts. Raise UploadRefused (429) past the limit."""
    export = EventExport.objects.kept(event, key)
    if export is not None:
        return export
    if (wait := take_tagging(request)) is not None:
        raise UploadRefused(
            429,
            f"Too many tagged downloads and exports: at most {settings.ATHLETES_TAGGING_RATE}. "
            f"Try again in {wait} seconds.",
            wait,
        )
    return EventExport.objects.start(event, key, photos)


class TaggingThrottle(BaseThrottle):
    """``take_tagging`` for a tagged download."""

    def allow_request(self, request, view) -> bool:
        self.waiting = take_tagging(request)
        return self.waiting is None

    def wait(self) -> int | None:
        return self.waiting


def admit_photos(request, count: int) -> None:
    """Count ``count`` photos against the queue, this visitor's share of it, and the limits of
    their account and their address; raise UploadRefused (with nothing counted) when one of
    them would pass."""
    queued = Prediction.objects.filter(status=Prediction.Status.QUEUED)
    if queued.count() + count > settings.ATHLETES_MAX_BACKLOG:
        raise UploadRefused(
            503,
            "Too many photos are waiting to be analysed. Try again in a minute.",
            settings.ATHLETES_BACKLOG_RETRY_AFTER,
        )
    user = request.user
    if user.is_staff:
        return
    own = queued.filter(source=address_key(request))
    if user.is_authenticated:
        own = queued.filter(Q(source=address_key(request)) | Q(uploader=user))
    if own.count() + count > settings.ATHLETES_BACKLOG_SHARE:
        raise UploadRefused(
            429,
            f"You have {settings.ATHLETES_BACKLOG_SHARE} photos or more waiting to be analysed: "
            "wait for them to finish, then send more.",
            settings.ATHLETES_BACKLOG_RETRY_AFTER,
        )
    idents = limit_idents(request)
    per_period, period = parse_rate(settings.ATHLETES_UPLOAD_RATE)
    limits = [
        ("rate", per_period, period,
         f"Too many uploads: at most {settings.ATHLETES_UPLOAD_RATE} photos. Wait, then retry."),
        ("day", settings.ATHLETES_DAILY_UPLOAD_QUOTA, DAY,
         f"Daily limit reached: at most {settings.ATHLETES_DAILY_UPLOAD_QUOTA} photos a day."),
    ]  # fmt: skip
    taken: list[str] = []
    for name, limit, seconds, message in limits:
        windows = take_all([f"uploads:{name}:{ident}" for ident in idents], count, limit, seconds)
        if windows is None:
            for each in taken:
                give_back(each, count)
            raise UploadRefused(429, message, seconds_left(seconds))
        taken += windows


def admit_sign_up(request) -> bool:
    """Count a sign-up attempt against its address's ``ATHLETES_SIGNUP_RATE``; False when it
    would pass it."""
    limit, seconds = parse_rate(settings.ATHLETES_SIGNUP_RATE)
    return take(f"signup:{BaseThrottle().get_ident(request)}", 1, limit, seconds) is not None
