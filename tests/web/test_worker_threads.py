"""A worker's pool children share the machine's cores for the recognizer unless
TF_NUM_INTRAOP_THREADS says otherwise: two children on two cores run one thread each, not
four threads taking turns on two cores."""

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from classifier.tasks import share_cores_among_children
from ml.threads import inference_threads


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
import os, django, numpy
from threadpoolctl import threadpool_info
def blas():
    return sorted({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})
print(blas())
django.setup()
print(blas())
if (child := os.fork()) == 0:
    print(blas(), flush=True)
    os._exit(0)
os.waitpid(child, 0)
"""


def test_numpy_multiplies_on_one_thread_in_a_django_process_and_its_forked_children():
    """OpenBLAS's idle threads spin after each product: in a worker's pool child they took a
    third of its CPU. Set up as the web and the worker set Django up, a process and the
    children it forks (the pool) multiply on one thread, where NumPy alone uses every core."""
    cores = len(os.sched_getaffinity(0))
    assert cores > 1, "one core: NumPy would use one thread anyway"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}

    ran = subprocess.run(
        [sys.executable, "-c", BLAS_THREADS], env=env, capture_output=True, text=True, check=True
    )

    assert ran.stdout.split("\n")[:3] == [f"[{cores}]", "[1]", "[1]"]
