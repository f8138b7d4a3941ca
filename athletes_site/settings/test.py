"""Settings for the test suite.

The test database is a file for SQLite (not pytest-django's in-memory default), so the Celery
worker that integration tests start in a subprocess sees the same rows. The broker is a
dedicated Redis database that the tests may flush: ``ATHLETES_TEST_REDIS_URL``, never
``CELERY_BROKER_URL``, so a developer's own broker is never touched.
"""

from pathlib import Path

from athletes_site.settings.base import *  # noqa: F403
from athletes_site.settings.base import DATABASES, VAR_DIR, env, env_int

SECRET_KEY = "test-secret-key-not-for-anything-else"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "test-media")))
ATHLETES_MODELS_DIR = Path(env("ATHLETES_MODELS_DIR", str(VAR_DIR / "test-models")))
ATHLETES_UPLOAD_RATE = env("ATHLETES_UPLOAD_RATE", "10000/min")
ATHLETES_DAILY_UPLOAD_QUOTA = 1_000_000

CELERY_BROKER_URL = env("ATHLETES_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
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
