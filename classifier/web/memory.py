"""The garbage collector in a long-lived web process.

Most of what a web process holds is loaded once and kept: Django, the apps, the URL patterns and
templates that its first request compiles. Python's collector walks all of it on every full pass,
and a full pass comes every ten or fifteen requests of a page that builds many objects: on People
at 200,000 stored faces, 80 to 100 ms each, which made the slowest twentieth of its requests
twice the median (docs/benchmarks.md). Frozen once the first request is served (``gc.freeze``
moves them to a generation the collector ignores), they are left out of every later pass, which
then walks only what requests made since: 25 to 28 ms there. What the first request (and any
served beside it) leaves in reference cycles is frozen with the rest and kept: once, and small.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.signals import request_finished

_UID = "classifier.web.memory.freeze"


def freeze_after_first_request() -> None:
    """Freeze what this process holds when its first request is finished, once."""
    request_finished.connect(_freeze, dispatch_uid=_UID)


@contextmanager
def frozen_after_first_request() -> Iterator[None]:
    """The same for a while (a benchmark in process), and the process as it was after."""
    freeze_after_first_request()
    try:
        yield
    finally:
        request_finished.disconnect(dispatch_uid=_UID)
        gc.unfreeze()


def _freeze(**kwargs) -> None:
    request_finished.disconnect(dispatch_uid=_UID)
    gc.collect()
    gc.freeze()
