"""gunicorn's settings, read from the working directory by ``scripts/run``, the Docker image and
the tests' served site alike; command-line flags override them.

Threaded workers (``gthread``), not gunicorn's default sync ones: a sync worker belongs to one
connection until its request is read, so two clients sending a body at 1 byte/s took both
workers and the site stopped answering. A thread waiting on a slow body holds only itself; it
takes ``workers × threads`` such clients to fill the server. So scripts/run and
docker-compose.yml put nginx in front (deploy/proxy.conf), which reads whole requests before
gunicorn sees them; never expose gunicorn without it.
"""

import os

bind = [os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT') or 8000}"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 8)
# Seconds without a heartbeat before a worker is replaced; uploads are bounded well below it
# (ATHLETES_MAX_PIXELS_PER_REQUEST).
timeout = 30
keepalive = 5
accesslog = "-"
loglevel = "warning"
