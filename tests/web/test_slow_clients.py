"""Clients that send their body at a trickle do not stop the site served as scripts/run serves
it: nginx in front (deploy/nginx-run.conf) reads each request whole, so they hold none of
gunicorn's threads; and gunicorn alone (gunicorn.conf.py) gives each one a thread, not a whole
worker."""

import socket
import threading
import time

import pytest
import requests

from tests.web.conftest import app_environment
from tests.web.processes import Front, WebServer

pytestmark = pytest.mark.integration


def start_slow_upload(port: int) -> socket.socket:
    """A POST announcing 100 kB of body that sends 10 bytes of it, then waits."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(
        b"POST /api/predictions/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=slow\r\nContent-Length: 100000\r\n\r\n"
        b"--slow\r\nCo"
    )
    return connection


def test_two_slow_bodies_do_not_stop_the_site(
    transactional_db, django_db_blocker, tmp_path, facenet_weights
):
    env = app_environment(django_db_blocker, tmp_path / "media", facenet_weights, "memory://")
    web = WebServer(tmp_path, env)
    web.start()
    slow = [start_slow_upload(web.port) for _ in range(2)]
    try:
        time.sleep(1)  # both requests are being read by now
        started = time.monotonic()
        response = requests.get(f"{web.url}/healthz/", timeout=10)
        seconds = time.monotonic() - started
    finally:
        for connection in slow:
            connection.close()
        web.discard()

    assert response.status_code == 200
    assert seconds < 2, f"the site took {seconds:.1f} s to answer"


def trickle(connections: list[socket.socket], stop: threading.Event) -> None:
    """One more byte of body on every connection every 2 s, until ``stop``."""
    while not stop.wait(2):
        for connection in connections:
            connection.sendall(b"n")


def test_seventeen_trickling_bodies_do_not_stop_the_default_run(
    transactional_db, django_db_blocker, tmp_path, facenet_weights
):
    """17 connections sending 1 byte every 2 s: more than gunicorn's 2 × 8 threads."""
    env = app_environment(django_db_blocker, tmp_path / "media", facenet_weights, "memory://")
    web = WebServer(tmp_path, env)
    web.start()
    front = Front(tmp_path, web)
    front.start()
    slow = [start_slow_upload(front.port) for _ in range(17)]
    stop = threading.Event()
    sender = threading.Thread(target=trickle, args=(slow, stop), daemon=True)
    sender.start()
    answers = []
    try:
        for _ in range(3):
            time.sleep(3)  # every slow request is being read, and has trickled on
            started = time.monotonic()
            status = requests.get(f"{front.url}/healthz/", timeout=30).status_code
            answers.append((status, time.monotonic() - started))
        # A whole body nginx buffered to its disk reaches the app: refused in the app's words.
        upload = requests.post(
            f"{front.url}/api/predictions/",
            files={"image": ("big.jpg", b"x" * 200_000, "image/jpeg")},
            timeout=30,
        )
    finally:
        stop.set()
        sender.join()
        for connection in slow:
            connection.close()
        front.discard()
        web.discard()

    assert [status for status, _ in answers] == [200, 200, 200]
    assert max(seconds for _, seconds in answers) < 2, answers
    assert upload.status_code == 400 and "image" in upload.json(), upload.text
    # Buffering bodies is nginx's job here, not a warning in scripts/run's output.
    assert "[warn]" not in front.logs()
