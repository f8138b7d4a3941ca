"""How many threads the recognizer's networks use: one knob, `TF_NUM_INTRAOP_THREADS`, for
TensorFlow and LiteRT alike; NumPy's matrix products one in every Django process
(`ClassifierConfig.ready`). Light to import: the worker's parent reads it before forking."""

import os


def inference_threads() -> int:
    """`TF_NUM_INTRAOP_THREADS` if set, else every core."""
    return int(os.environ.get("TF_NUM_INTRAOP_THREADS") or len(os.sched_getaffinity(0)))


def threads_per_process(processes: int) -> int:
    """This machine's cores shared among `processes` running the recognizer side by side: more
    threads than cores only take turns, each waiting for the others."""
    return max(1, len(os.sched_getaffinity(0)) // max(1, processes))


def limit_blas_to_one_thread() -> None:
    """NumPy's matrix products on one thread, in this process and the children it forks,
    whatever `OPENBLAS_NUM_THREADS` or `OMP_NUM_THREADS` say.

    Ours are small (a photo's faces against the centroids, a group of at most 200 faces), the
    site's processes already share the cores, and OpenBLAS's threads spin after each product
    they wake for: 10 to 13 ms of a worker child's CPU a photo (docs/benchmarks.md).
    """
    import numpy  # noqa: F401  (loads OpenBLAS, so that there is a library to limit)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
