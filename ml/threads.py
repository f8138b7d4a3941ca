"""How many threads the recognizer's networks use: one knob, `TF_NUM_INTRAOP_THREADS`, for
TensorFlow and LiteRT alike; NumPy's matrix products always one. Light to import: the worker's
parent reads it before forking."""

import os


def inference_threads() -> int:
    """`TF_NUM_INTRAOP_THREADS` if set, else every core."""
    return int(os.environ.get("TF_NUM_INTRAOP_THREADS") or len(os.sched_getaffinity(0)))


def threads_per_process(processes: int) -> int:
    """This machine's cores shared among `processes` running the recognizer side by side: more
    threads than cores only take turns, each waiting for the others."""
    return max(1, len(os.sched_getaffinity(0)) // max(1, processes))


def single_threaded_blas() -> None:
    """NumPy's matrix products on one thread, in this process and the children it forks.

    Ours are small (a photo's faces against the centroids, a group of at most 200 faces), the
    site's processes already share the cores, and OpenBLAS's idle threads spin after each
    product: in a worker's pool child they burnt 39 ms of CPU a photo (docs/benchmarks.md).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
