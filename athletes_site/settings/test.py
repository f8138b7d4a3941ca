"""Settings for the test suite.

The test database is a file for SQLite (not pytest-django's in-memory default), so the Celery
worker that integration tests start in a subprocess sees the same rows; under pytest-xdist each
worker has its own (pytest-django adds ``_gw0``, ``_gw1``… to the name). The broker is a
dedicated Redis database that the tests may flush: ``ATHLETES_TEST_REDIS_URL``, never
``CELERY_BROKER_URL``, so a developer's own broker is never touched; pytest-xdist's workers
take the databases after it, one each (8 by default: 9 to 12 for four workers, 15 at most).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

from athletes_site.settings.base import *  # noqa: F403
from athletes_site.settings.base import DATABASE_IS_SQLITE, DATABASES, VAR_DIR, env, env_int

SECRET_KEY = "test-secret-key-not-for-anything-else"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASE_IS_SQLITE:
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "test-media")))
ATHLETES_MODELS_DIR = Path(env("ATHLETES_MODELS_DIR", str(VAR_DIR / "test-models")))
ATHLETES_UPLOAD_RATE = env("ATHLETES_UPLOAD_RATE", "10000/min")
ATHLETES_DAILY_UPLOAD_QUOTA = 1_000_000
ATHLETES_BACKLOG_SHARE = 1_000_000  # one test client queues what it likes; limits are tested
ATHLETES_TAGGING_RATE = "10000/min"


def redis_database_of(base: str, xdist_worker: str | None) -> str:
    """``base``, or for pytest-xdist's worker ``gwN`` the Redis database N + 1 after it (a
    broker that is not Redis, such as ``memory://``, stays as it is)."""
    if not xdist_worker or not base.startswith(("redis://", "rediss://")):
        return base
    url = urlsplit(base)
    database = int(url.path.strip("/") or 0) + 1 + int(xdist_worker.removeprefix("gw"))
    return url._replace(path=f"/{database}").geturl()


CELERY_BROKER_URL = redis_database_of(
    env("ATHLETES_TEST_REDIS_URL", "redis://127.0.0.1:6379/8"),
    os.environ.get("PYTEST_XDIST_WORKER"),
)
CELERY_BROKER_TRANSPORT = None  # the URL's (Redis), not base.py's file broker
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Fault tests shorten it to see a task of a killed worker redelivered.
    "visibility_timeout": env_int("ATHLETES_BROKER_VISIBILITY_TIMEOUT", 600),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # nothing is collected; whitenoise serves from the finders
