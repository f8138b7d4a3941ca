"""Production settings refuse to start without secrets and pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.web.conftest import app_environment
from tests.web.processes import WebServer

ROOT = Path(__file__).resolve().parents[2]
# The test process's own settings; the browser tests' async flag fails `check --deploy`.
NOT_INHERITED = {
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
SECRET = "k3Jd9!xQ2$vLp8#wZr5^tYb7&nMc4*hGf6(sAe1)uIo0-PlKjHgFdSa_qWeRtYuIoP"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    environment.update(DJANGO_SETTINGS_MODULE="athletes_site.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_it_refuses_to_start_without_a_secret_key():
    result = manage("check", ALLOWED_HOSTS="photos.example.com")

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts():
    result = manage("check", SECRET_KEY=SECRET)

    assert result.returncode != 0
    assert "Set the ALLOWED_HOSTS environment variable" in result.stderr


def test_check_deploy_is_clean():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="photos.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.integration
@pytest.mark.parametrize(
    ("proxies", "answer"), [("127.0.0.1", 200), ("192.0.2.10", 301)], ids=["proxy", "client"]
)
def test_x_forwarded_proto_is_believed_only_from_the_trusted_proxy(
    transactional_db, django_db_blocker, tmp_path, facenet_weights, proxies, answer
):
    """gunicorn with the production settings; the client claims HTTPS over plain HTTP."""
    env = {
        **app_environment(django_db_blocker, tmp_path / "media", facenet_weights, "memory://"),
        "DJANGO_SETTINGS_MODULE": "athletes_site.settings.production",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "FORWARDED_ALLOW_IPS": proxies,
    }
    web = WebServer(tmp_path, env)
    web.start()
    try:
        response = requests.get(
            f"{web.url}/api/athletes/",
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
            timeout=10,
        )
    finally:
        web.discard()

    assert response.status_code == answer, web.logs()
    if answer == 301:
        assert response.headers["Location"].startswith("https://")
