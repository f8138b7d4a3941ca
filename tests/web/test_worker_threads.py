"""A worker's pool children share the machine's cores for the recognizer unless
TF_NUM_INTRAOP_THREADS says otherwise: two children on two cores run one thread each, not
four threads taking turns on two cores. NumPy's matrix products run on one thread in every
Django process and the children it forks."""

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from classifier.tasks import share_cores_among_children
from ml.threads import inference_threads
from tests.web.processes import ROOT


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})


@pytest.mark.parametrize(("children", "threads"), [(1, 2), (2, 1), (3, 1)])
def test_it_gives_each_child_its_share_of_the_cores(two_cores, children, threads):
    share_cores_among_children(sender=SimpleNamespace(concurrency=children))

    assert os.environ["TF_NUM_INTRAOP_THREADS"] == str(threads)
    assert inference_threads() == threads


def test_it_keeps_the_threads_an_operator_set(two_cores, monkeypatch):
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "2")

    share_cores_among_children(sender=SimpleNamespace(concurrency=2))

    assert inference_threads() == 2


def test_without_a_worker_every_core_is_used(two_cores):
    assert inference_threads() == 2


BLAS_THREADS = """
from threadpoolctl import threadpool_info
def blas():
    return sorted({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})
"""
NUMPY_ALONE = BLAS_THREADS + "import numpy; print(blas())"
DJANGO_AND_A_FORKED_CHILD = (
    BLAS_THREADS
    + """
import os, django
django.setup()
print(blas(), flush=True)
if (child := os.fork()) == 0:
    print(blas(), flush=True)
    os._exit(0)
os.waitpid(child, 0)
"""
)


def test_numpy_multiplies_on_one_thread_in_a_django_process_and_its_forked_children():
    """OpenBLAS's threads spin after each product they wake for: in a worker's pool child
    that took 10 to 13 ms of CPU a photo. Set up as the web and the worker set Django up, a
    process and the children it forks (the pool) multiply on one thread, where NumPy alone
    uses several."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: NumPy uses one thread anyway")

    assert _printed(NUMPY_ALONE) != ["[1]"]
    assert _printed(DJANGO_AND_A_FORKED_CHILD) == ["[1]", "[1]"]


def _printed(script: str) -> list[str]:
    """What `script` prints in a new Python, with no thread count set in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.split()
