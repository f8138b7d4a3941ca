"""Settings shared by every environment, read from environment variables.

Every default is safe for a single machine: SQLite in ``var/``, a Celery broker made of files
in ``var/broker/`` (no server needed), uploads in ``media/``. Setting ``DATABASE_URL``,
``CELERY_BROKER_URL`` and friends moves the app to PostgreSQL and Redis.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from classifier import task_names

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"


def env(name: str, default: str = "") -> str:
    """The environment variable ``name``, or ``default`` when it is unset or empty."""
    return os.environ.get(name) or default


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = env(name, str(default))
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from exc


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


# Empty unless set: Django refuses to start without a key, except with settings.local, which
# makes this installation its own.
SECRET_KEY = env("SECRET_KEY")
# Debug pages only when asked for (DEBUG=1, or scripts/run --dev).
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "classifier",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "classifier.web.middleware.limit_request_size",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "athletes_site.urls"
WSGI_APPLICATION = "athletes_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "classifier.pages.accounts.sign_up_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is shared by the web process and the worker: WAL lets readers and one writer work at
# once, and IMMEDIATE transactions wait for the write lock instead of failing half-way.
# synchronous=NORMAL syncs at checkpoints only: safe from crashes of the app, not of the OS.
# Settings create no folder: scripts/run and scripts/test make var/ before anything uses it.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        # Persistent connections: a new PostgreSQL connection per request nearly doubled
        # the upload's accept time (docs/benchmarks.md); health checks drop dead ones.
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# The embedded default, which needs settings of its own here, in test.py and for beat.
DATABASE_IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if DATABASE_IS_SQLITE:
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The history's indexes carry the id as a non-key column (``include``) for PostgreSQL;
    # SQLite builds them without it, which is all W040 says, on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Upload counts must be shared by every web process: Redis when CACHE_URL is set, otherwise a
# table in the database (made by migrate, see classifier.apps).
CACHE_URL = env("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}
    )
}

# --- Admin sign-in ----------------------------------------------------------------------------
# django-axes refuses sign-in to one username from one address after this many failures in a
# row, for this long (classifier.web.signin): the pair, so that a guesser locks out neither the
# account everywhere nor everyone behind a shared address. It counts in the database, so every
# web process shares the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("ATHLETES_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ATHLETES_SIGNIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "classifier.web.signin.client_address"
AXES_LOCKOUT_CALLABLE = "classifier.web.signin.locked_out"
AXES_RESET_ON_SUCCESS = True
# Not its "AXES: BEGIN" line in the output of every command and web process it starts; sign-in
# failures and lockouts are logged all the same.
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "classifier.web.api_tokens.EndedByNewPassword"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}


def s3_storage(bucket: str, endpoint_url: str, access_key: str, secret_key: str) -> dict:
    """The storage of an S3-compatible bucket (S3, MinIO, ...), for several machines to share.

    Files stay private: the site links to and streams them through its own media view
    (classifier.web.storage). Like the local disk, a taken name gets a suffix, so a second delivery
    of a task never overwrites the first's file.
    """
    return {
        "BACKEND": "classifier.web.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": env("AWS_S3_REGION_NAME", "us-east-1"),
            # MinIO and most self-hosted servers answer at one host name, not one per bucket.
            "addressing_style": "path" if endpoint_url else None,
            "default_acl": None,
            "file_overwrite": False,
        },
    }


# Uploads, thumbnails, annotated photos and model archives go to this bucket when it is set,
# under the names django-storages gives these variables.
if env("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = s3_storage(
        env("AWS_STORAGE_BUCKET_NAME"),
        env("AWS_S3_ENDPOINT_URL"),
        env("AWS_ACCESS_KEY_ID"),
        env("AWS_SECRET_ACCESS_KEY"),
    )

# Uploads: a request larger than the limit is refused from its Content-Length before its body is
# read (classifier.web.middleware.limit_request_size); files above 2.5 MB stream to a temporary
# file.
ATHLETES_MAX_UPLOAD_BYTES = env_int("ATHLETES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
ATHLETES_MAX_FILES_PER_UPLOAD = env_int("ATHLETES_MAX_FILES_PER_UPLOAD", 20)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = ATHLETES_MAX_FILES_PER_UPLOAD
# The pixels one request may make the web process decode and re-encode (about 6 s of CPU for
# 100 megapixels): a request past it is refused whole, well before gunicorn's timeout.
ATHLETES_MAX_PIXELS_PER_REQUEST = env_int("ATHLETES_MAX_PIXELS_PER_REQUEST", 100_000_000)
# Roster imports (classifier.models.imports): the file sent (a zip of photos, a CSV or JSON
# table), what its zip may unpack to, and how photo URLs are fetched: one deadline per
# download, and only public addresses unless networks are listed here (comma-separated CIDRs;
# tests serve photos on 127.0.0.1).
ATHLETES_MAX_IMPORT_BYTES = env_int("ATHLETES_MAX_IMPORT_BYTES", 500 * 1024 * 1024)
ATHLETES_MAX_IMPORT_UNPACKED_BYTES = env_int("ATHLETES_MAX_IMPORT_UNPACKED_BYTES", 4 * 1024**3)
ATHLETES_FETCH_DEADLINE_SECONDS = env_int("ATHLETES_FETCH_DEADLINE_SECONDS", 20)
ATHLETES_FETCH_ALLOWED_NETWORKS = env_list("ATHLETES_FETCH_ALLOWED_NETWORKS")
for _network in ATHLETES_FETCH_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"ATHLETES_FETCH_ALLOWED_NETWORKS: {exc}") from exc
FILE_UPLOAD_PERMISSIONS = 0o644

# --- The recognizer -------------------------------------------------------------------------
ATHLETES_MODELS_DIR = Path(env("ATHLETES_MODELS_DIR", str(VAR_DIR / "models")))
# Where a worker unpacks the model archives it fetched from storage, one folder per version.
ATHLETES_MODEL_CACHE = Path(env("ATHLETES_MODEL_CACHE", str(VAR_DIR / "model-cache")))
# The one reader of this variable for the site; `python -m ml` has the same default.
ATHLETES_FACENET_WEIGHTS = Path(
    env("ATHLETES_FACENET_WEIGHTS", "~/.cache/athletes/facenet_keras.h5")
).expanduser()
# The <label>/<photos> folder of the first model and of the tests; the same default as
# scripts/lib.sh: the team's photos beside the repository.
ATHLETES_SAMPLE_DATA = Path(
    env("ATHLETES_SAMPLE_DATA", str(BASE_DIR.parent / "shared" / "datasets" / "athletes"))
)
# A folder of photos of strangers (nobody enrolled): every face in them joins the archive's
# unknown faces in the cohort the site's training normalises scores against. Empty: none.
ATHLETES_COHORT_DIR = (
    Path(env("ATHLETES_COHORT_DIR")).expanduser() if env("ATHLETES_COHORT_DIR") else None
)
# Days a face nobody named keeps its embedding (a bystander's, mostly): then beat's daily
# forget_bystanders clears it (classifier.models.people.forget_bystanders). 0 keeps them all.
ATHLETES_BYSTANDER_RETENTION_DAYS = env_int("ATHLETES_BYSTANDER_RETENTION_DAYS", 365)
# The caption written into tagged downloads: {names} (the named athletes), {event}, {date}.
ATHLETES_CAPTION_TEMPLATE = env("ATHLETES_CAPTION_TEMPLATE", "{names} during {event}, {date}")
# The same, for a photo uploaded outside any event.
ATHLETES_CAPTION_TEMPLATE_NO_EVENT = env("ATHLETES_CAPTION_TEMPLATE_NO_EVENT", "{names}, {date}")
# Tagged downloads and event exports per account and per address, the stricter winning (each
# may start exiftool); staff are exempt.
ATHLETES_TAGGING_RATE = env("ATHLETES_TAGGING_RATE", "30/min")
# exiftool processes at once on one machine (web and worker together).
ATHLETES_EXIFTOOL_PROCESSES = env_int("ATHLETES_EXIFTOOL_PROCESSES", 2)
# How long an event's export, built by the worker, is kept for downloading again.
ATHLETES_EXPORT_KEEP_SECONDS = env_int("ATHLETES_EXPORT_KEEP_SECONDS", 86400)
# Photos (not requests) per signed-in user and per client address, the stricter winning. Staff
# are never throttled. Past ATHLETES_MAX_BACKLOG queued photos, uploads get a 503 with
# Retry-After; past ATHLETES_BACKLOG_SHARE queued photos of one account or address, that
# visitor's uploads get a 429, so one client cannot fill the queue for everyone.
ATHLETES_UPLOAD_RATE = env("ATHLETES_UPLOAD_RATE", "60/min")
ATHLETES_DAILY_UPLOAD_QUOTA = env_int("ATHLETES_DAILY_UPLOAD_QUOTA", 1000)
ATHLETES_MAX_BACKLOG = env_int("ATHLETES_MAX_BACKLOG", 1000)
ATHLETES_BACKLOG_SHARE = env_int("ATHLETES_BACKLOG_SHARE", 100)
# Sign-up on the site: off, so accounts are made by an administrator; when on, sign-ups from one
# address are limited to ATHLETES_SIGNUP_RATE.
ATHLETES_SIGNUP = env_bool("ATHLETES_SIGNUP", False)
ATHLETES_SIGNUP_RATE = env("ATHLETES_SIGNUP_RATE", "5/hour")
ATHLETES_BACKLOG_RETRY_AFTER = env_int("ATHLETES_BACKLOG_RETRY_AFTER", 60)
# Queued rows whose task has not started after this long are enqueued again, by a sweep that
# beat runs this often.
ATHLETES_REQUEUE_AFTER_SECONDS = env_int("ATHLETES_REQUEUE_AFTER_SECONDS", 120)
ATHLETES_REQUEUE_EVERY_SECONDS = env_int("ATHLETES_REQUEUE_EVERY_SECONDS", 60)
# The banner on every page warns when no worker has been alive for this long, or when a queued
# photo has waited this long.
ATHLETES_WORKER_SILENT_AFTER_SECONDS = env_int("ATHLETES_WORKER_SILENT_AFTER_SECONDS", 60)
ATHLETES_QUEUE_SLOW_AFTER_SECONDS = env_int("ATHLETES_QUEUE_SLOW_AFTER_SECONDS", 120)
# Runs per prediction, counting retries and workers lost mid-task: the prediction row's
# ``attempts`` is the one retry counter (Celery's own is unbounded, see classifier.tasks).
ATHLETES_MAX_ATTEMPTS = env_int("ATHLETES_MAX_ATTEMPTS", 3)

# --- Celery ---------------------------------------------------------------------------------
# Every task option is set here, once, by Celery's own name (``task_acks_late`` and so on).
# Seconds per task: the soft limit raises in the task, which fails the attempt with a reason;
# the hard limit kills the child.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("ATHLETES_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("ATHLETES_TASK_TIME_LIMIT", 150)
# Redis hands a task whose worker died (acknowledged by nobody) to another worker after this
# long. It must exceed the hard time limit, or a slow task would run twice at once.
ATHLETES_BROKER_VISIBILITY_TIMEOUT = env_int(
    "ATHLETES_BROKER_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 4
)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT: str | None = None  # None: the one the URL's scheme names
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Messages as files in var/broker/, or the folder the URL names (filesystem:///srv/broker):
    # classifier/worker/file_broker.py says why this is safe with several producers, and makes the
    # folders.
    _broker_dir = Path(urlsplit(CELERY_BROKER_URL).path or VAR_DIR / "broker")
    CELERY_BROKER_TRANSPORT = "classifier.worker.file_broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "dead_letter_folder": str(_broker_dir / "dead-letter"),
        # The worker looks for new files this often (seconds); kombu's default is 1.
        "polling_interval": 0.1,
    }
else:
    # Redis redelivers an unacknowledged task after the visibility timeout. Workers look for
    # such tasks every 10 s (kombu scans only every tenth look by default: every 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": ATHLETES_BROKER_VISIBILITY_TIMEOUT,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 3,
    }
# Results live in the Prediction rows, so Celery keeps none.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A task is acknowledged when it ends, and given back if its child process dies, so a worker
# lost mid-task loses no photo (the claim in Prediction.objects.claim makes a rerun harmless).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 1)
# Celery's consumer, except that losing Redis while a task is held does not stop the worker.
CELERY_WORKER_CONSUMER = "classifier.worker.consumer:Consumer"
# A new child loads TensorFlow and the active model before it reports ready (about 10 s).
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 120
# An upload must not hang when the broker is down: fail fast, keep the row queued, let the
# sweep enqueue it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Training, re-running history, importing a roster and building an event's export take minutes:
# they go to a queue of their own, which a worker of its own consumes (scripts/run,
# docker-compose.yml), so photos never wait behind them. A worker started without --queues
# consumes both.
ATHLETES_TRAINING_QUEUE = "training"
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(CELERY_TASK_DEFAULT_QUEUE, routing_key=CELERY_TASK_DEFAULT_QUEUE),
    Queue(ATHLETES_TRAINING_QUEUE, routing_key=ATHLETES_TRAINING_QUEUE),
]
CELERY_TASK_ROUTES = {
    name: {"queue": ATHLETES_TRAINING_QUEUE, "routing_key": ATHLETES_TRAINING_QUEUE}
    for name in (
        task_names.TRAIN_MODEL_VERSION,
        task_names.RERUN_HISTORY,
        task_names.IMPORT_ROSTER,
        task_names.BUILD_EVENT_EXPORT,
    )
}
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-predictions": {
        "task": task_names.REQUEUE_STALE,
        "schedule": float(ATHLETES_REQUEUE_EVERY_SECONDS),
    },
    "group-people": {"task": task_names.GROUP_PEOPLE, "schedule": 10 * 60.0},
    "clear-expired-sessions": {
        "task": task_names.CLEAR_EXPIRED_SESSIONS,
        "schedule": 24 * 60 * 60.0,
    },
    "forget-bystanders": {"task": task_names.FORGET_BYSTANDERS, "schedule": 24 * 60 * 60.0},
}
if DATABASE_IS_SQLITE:
    # SQLite gathers no statistics for its planner by itself; PostgreSQL's autovacuum does.
    CELERY_BEAT_SCHEDULE["refresh-statistics"] = {
        "task": task_names.REFRESH_STATISTICS,
        "schedule": 10 * 60.0,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- API ------------------------------------------------------------------------------------
# API tokens (django-rest-knox): the database keeps a SHA-512 digest of each, never the token,
# which its owner sees once. They last until revoked (on /accounts/tokens/), ten at most
# per user. Sent as DRF's were: ``Authorization: Token <token>``.
REST_KNOX = {"TOKEN_TTL": None, "TOKEN_LIMIT_PER_USER": 10, "AUTO_REFRESH": False}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "classifier.api.authentication.BrowserSessionAuthentication",
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # Upload limits count per client address: the connection's, unless this many reverse
    # proxies of ours stand in front and append it to X-Forwarded-For. Unset, DRF would believe
    # whatever X-Forwarded-For a client sends, and each forged address would get a fresh limit.
    "NUM_PROXIES": env_int("ATHLETES_TRUSTED_PROXIES", 0),
    "DEFAULT_PAGINATION_CLASS": "classifier.web.pagination.KeysFirstPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
        "classifier.api.parsers.JSONParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Athletes API",
    "DESCRIPTION": "Upload a photo and learn which athlete is in it.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGIN_URL = "admin:login"
# The site's own sign-in (classifier.pages.accounts) leads to the visitor's history.
LOGIN_REDIRECT_URL = "history"
LOGOUT_REDIRECT_URL = "home"
# Error pages and reports also hide the credentials inside URLs (CELERY_BROKER_URL, CACHE_URL).
DEFAULT_EXCEPTION_REPORTER_FILTER = "classifier.web.errors.SafeExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"level": "INFO", "propagate": True},
        # django-axes noted four INFO lines on every sign-in ("Reset 0 access attempts", user and
        # address as asterisks); its warnings, repeated failures and lockouts, still show.
        "axes": {"level": "WARNING"},
    },
}
