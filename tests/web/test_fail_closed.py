"""Served with no settings at all, the site runs without debug pages and with a secret key of
its own; error pages never show the credentials inside URLs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.views.debug import technical_500_response

from classifier.models import Prediction
from tests.web.conftest import jpeg_bytes

ROOT = Path(__file__).resolve().parents[2]
OLD_DEVELOPMENT_KEY = "django-insecure-local-development-key-do-not-use-in-production"
PRINT_SETTINGS = (
    "from django.conf import settings; "
    "print(settings.SETTINGS_MODULE, settings.DEBUG, settings.SECRET_KEY)"
)
ENTRY_POINTS = {
    "manage.py": ["manage.py", "shell", "-c", PRINT_SETTINGS],
    "wsgi.py": ["-c", f"import athletes_site.wsgi; {PRINT_SETTINGS}"],
    "celery app": ["-c", f"import athletes_site.celery_app; {PRINT_SETTINGS}"],
}


def settings_seen_by(entry_point: str, **env: str) -> tuple[str, ...]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}
    }
    result = subprocess.run(
        [sys.executable, *ENTRY_POINTS[entry_point]],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return tuple(result.stdout.splitlines()[-1].split())


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_it_serves_without_debug_and_with_its_own_random_key_by_default(entry_point):
    module, debug, key = settings_seen_by(entry_point)

    assert module == "athletes_site.settings.local"
    assert debug == "False"
    assert key == (ROOT / "var" / "secret_key").read_text().strip()
    assert key != OLD_DEVELOPMENT_KEY and len(key) >= 50
    assert (ROOT / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_debug_pages_are_on_only_when_asked_for():
    assert settings_seen_by("wsgi.py", DEBUG="1")[1] == "True"


def test_a_secret_key_from_the_environment_wins():
    assert settings_seen_by("wsgi.py", SECRET_KEY="from-the-environment")[2] == (
        "from-the-environment"
    )


def files(count: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"{n}.jpg", jpeg_bytes(), "image/jpeg") for n in range(count)]


@pytest.mark.parametrize(
    ("path", "shown"),
    [("/upload/", "Send at most 20 photos at a time."), ("/api/predictions/", "at most 20")],
)
def test_21_files_get_a_clear_400(model_version, path, shown):
    response = Client().post(path, {"image": files(21)})

    assert response.status_code == 400
    assert shown in response.content.decode()
    assert not Prediction.objects.exists()


def test_even_a_debug_page_hides_the_passwords_in_urls(model_version, settings):
    settings.DEBUG = True
    settings.CELERY_BROKER_URL = "redis://:broker-s3cret@redis.internal:6379/0"
    settings.CACHE_URL = "redis://cache-user:cache-s3cret@redis.internal:6379/1"
    settings.DATABASES = {
        **settings.DATABASES,
        "reports": {"URL": "postgres://athletes:db-s3cret@db.internal/athletes"},
    }

    response = Client().post("/upload/", {"image": files(21)})

    page = response.content.decode()
    assert response.status_code == 400
    assert "CELERY_BROKER_URL" in page and "redis.internal:6379/0" in page  # a debug page
    assert "s3cret" not in page


def broker_url() -> str:
    return "redis://:broker-" + "s3cret@redis.internal:6379/0"  # whole only in a variable


def connect(broker: str) -> None:
    raise ConnectionError("the broker did not answer")


def test_a_debug_traceback_hides_the_passwords_in_its_variables(rf, settings):
    settings.DEBUG = True
    try:
        connect(broker_url())
    except ConnectionError:
        response = technical_500_response(rf.get("/"), *sys.exc_info())

    page = response.content.decode()
    password = broker_url().partition("@")[0].rpartition(":")[2]  # not in the page's source
    assert "redis.internal:6379/0" in page
    assert password not in page
