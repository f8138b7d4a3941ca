"""Clients that send their body at a trickle do not stop the site served as scripts/run serves
it (gunicorn.conf.py): each one holds a thread, not a whole worker."""

import socket
import time

import pytest
import requests

from tests.web.conftest import app_environment
from tests.web.processes import WebServer

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
