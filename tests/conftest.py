"""Fixtures shared by every test: the sample photos, photos of other people, the FaceNet weights,
a trained model."""

from __future__ import annotations

import fcntl
import functools
import importlib.util
import ipaddress
import os
import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ml import weights
from ml.errors import ModelError

CPU_AT_SETUP = pytest.StashKey[float]()
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the slow lane, the tests marked slow (scripts/test --slow, as CI does)",
    )


def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadfile`` (scripts/test), every file of tests/ml/ goes to one process:
    they need none of the web's servers and share what is costly to load (TensorFlow, which
    four of them import: 5 s of CPU in each process that does)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class MLCoreTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return "tests/ml/" if file.startswith("tests/ml/") else file

    return MLCoreTogether(config, log)


def pytest_collection_modifyitems(config, items):
    """Without --slow, the tests marked slow are deselected (and counted as such)."""
    if config.getoption("--slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@functools.cache
def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module, loaded once; registered under its name, where its
    dataclasses look it up."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def family_cpu_seconds() -> float:
    """CPU time of this test process and everything under it (its servers, workers and
    browser), measured as the load test measures a server's (``cpu_seconds``, its one owner)."""
    return load_script("loadtest").cpu_seconds(os.getpid())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[CPU_AT_SETUP] = family_cpu_seconds()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """Each test's CPU time in its setup and call, its servers', workers' and browser's
    included, as the JUnit XML's ``cpu_seconds`` property: scripts/test lists the costliest.
    Not its teardown, which may stop a server by killing its process group: the group's
    children, orphaned, leave the tree with the time they had spent."""
    if CPU_AT_SETUP in item.stash:
        spent = max(0.0, family_cpu_seconds() - item.stash[CPU_AT_SETUP])
        item.user_properties.append(("cpu_seconds", f"{spent:.2f}"))


@pytest.fixture(scope="session")
def script():
    """``script("loadtest")``: a script of scripts/ as a module, for the tests of its
    functions."""
    return load_script


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The team's 60 labelled photos: the ATHLETES_SAMPLE_DATA setting (../shared by default)."""
    from django.conf import settings

    path = settings.ATHLETES_SAMPLE_DATA
    if not path.is_dir():
        pytest.fail(f"Sample photos not found at {path}; set ATHLETES_SAMPLE_DATA.")
    return path


@pytest.fixture(scope="session")
def sample_people() -> Path:
    """Photos of five people who are not the athletes, for tests that enrol new people:
    ATHLETES_SAMPLE_PEOPLE, by default var/sample-data/people, where scripts/test fetches them."""
    from django.conf import settings

    path = Path(os.environ.get("ATHLETES_SAMPLE_PEOPLE") or settings.VAR_DIR / "sample-data/people")
    if not path.is_dir():
        pytest.fail(
            f"Photos of other people not found at {path}; `python -m ml people --out {path}`."
        )
    return path


@pytest.fixture(scope="session")
def facenet_weights() -> Path:
    """The verified FaceNet file, found as `python -m ml` finds it; fails with the fix-it
    message when it is missing."""
    configured = os.environ.get("ATHLETES_FACENET_WEIGHTS")
    try:
        return weights.verify(Path(configured) if configured else weights.default_weights_path())
    except ModelError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, sample_data: Path, facenet_weights: Path) -> Path:
    """A real model trained once per test run on the 60 sample photos: under pytest-xdist the
    first worker to need it trains it, in the folder the workers' temporary folders share, and
    the others wait for it and read the same one. ``ATHLETES_TEST_RUN_DIR`` names a folder to
    share across pytest runs instead: scripts/test's two passes train once."""
    from ml.sample_data import sample_display_names
    from ml.training import train

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = Path(os.environ.get("ATHLETES_TEST_RUN_DIR") or shared)
    done = shared / "trained-model-dir.txt"
    with (shared / "trained-model.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            folder = train(
                sample_data,
                shared / "trained-models",
                weights=facenet_weights,
                display_names=sample_display_names(),
            )
            done.write_text(str(folder))
        return Path(done.read_text())


@pytest.fixture
def outside_loopback(monkeypatch) -> list:
    """Connections tried to any address outside loopback, refused before a packet leaves: a
    regression must show up as a failing test, never as traffic to a private address."""
    tried = []
    connect = socket.create_connection

    def guarded(address, *args, **kwargs):
        if not ipaddress.ip_address(address[0]).is_loopback:
            tried.append(address)
            raise ConnectionRefusedError(f"the test refuses to connect to {address[0]}")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return tried


@pytest.fixture
def no_network(monkeypatch):
    """Fails a test that loads FaceNet or the face detector: training from what is stored
    must not."""

    def refuse(*args, **kwargs):
        raise AssertionError("training from stored embeddings must not load a network")

    monkeypatch.setattr("ml.embedder.Embedder.__init__", refuse)
    monkeypatch.setattr("ml.faces.FaceDetector.__init__", refuse)
