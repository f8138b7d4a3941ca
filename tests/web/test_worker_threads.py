"""A worker's pool children share the machine's cores for the recognizer unless
TF_NUM_INTRAOP_THREADS says otherwise: two children on two cores run one thread each, not
four threads taking turns on two cores."""

import os
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
