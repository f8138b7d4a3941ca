"""The native libraries' own log lines (TensorFlow, absl, LiteRT's XNNPACK), which they write
straight to file descriptor 2, kept off a command's output: `python -m ml` and the first run's
`manage.py bootstrap` show only their own lines and errors."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def _descriptor_2_to_devnull() -> int:
    """Point file descriptor 2 at /dev/null; return a copy of what it was."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    kept = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    return kept


def quiet_native_libraries() -> None:
    """For the rest of the process; Python's stderr (our messages and errors) keeps a copy of
    the real one."""
    kept = _descriptor_2_to_devnull()
    sys.stderr = os.fdopen(kept, "w", buffering=1, encoding=sys.stderr.encoding)


@contextmanager
def native_libraries_quiet() -> Iterator[None]:
    """While the block runs, which writes its own errors once it is over (as exceptions)."""
    kept = _descriptor_2_to_devnull()
    try:
        yield
    finally:
        os.dup2(kept, 2)
        os.close(kept)
