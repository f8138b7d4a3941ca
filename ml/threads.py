"""How many threads the recognizer's networks use: one knob, `TF_NUM_INTRAOP_THREADS`, for
TensorFlow and LiteRT alike. Light to import: the worker's parent reads it before forking."""

import os


def inference_threads() -> int:
    """`TF_NUM_INTRAOP_THREADS` if set, else every core."""
    return int(os.environ.get("TF_NUM_INTRAOP_THREADS") or len(os.sched_getaffinity(0)))


def threads_per_process(processes: int) -> int:
    """This machine's cores shared among `processes` running the recognizer side by side: more
    threads than cores only take turns, each waiting for the others."""
    return max(1, len(os.sched_getaffinity(0)) // max(1, processes))
