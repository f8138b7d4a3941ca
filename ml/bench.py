"""How fast and how big the predictor is: the figures behind docs/benchmarks.md."""

from __future__ import annotations

import logging
import multiprocessing
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from ml.dataset import scan
from ml.imaging import load_image
from ml.predictor import Predictor

log = logging.getLogger(__name__)

WARM_UP = 3


def benchmark(
    model_dir: Path,
    data_dir: Path,
    *,
    weights: Path,
    rounds: int = 1,
    detector: str | None = None,
) -> dict[str, Any]:
    """Load and warm-up time, then per-stage medians over every photo in `data_dir`, one at a
    time; the first photos after warm-up are timed apart, as a freshly started worker sees them.

    Photos are decoded one at a time, as a worker does, so peak RSS is the predictor's own.
    More `rounds` go over the photos again, as a long-lived worker does, and show whether
    memory levels off: resident memory is reported after the first round and the last.
    `detector` replaces the model's own face detector, to compare detectors.
    """
    paths = [photo.path for photo in scan(data_dir)]
    started = time.perf_counter()
    predictor = Predictor.load(model_dir, weights, detector)
    loaded = time.perf_counter()
    predictor.warm_up()
    warmed = time.perf_counter()
    first_photo_ms = predictor.predict(load_image(paths[0]).image).timings["total_ms"]
    for path in paths[1:WARM_UP]:
        predictor.predict(load_image(path).image)
    log.info("Model loaded in %.2f s; timing %d photos ...", loaded - started, len(paths))
    megapixels, timings, resident_mb = [], [], []
    for round_number in range(1, rounds + 1):
        for path in paths:
            image = load_image(path).image
            megapixels.append(image.width * image.height / 1e6)
            timings.append(predictor.predict(image).timings)
        resident_mb.append(_resident_mb())
        if rounds > 1:
            log.info("round %d/%d: %d MB resident", round_number, rounds, resident_mb[-1])
    return {
        "detector": predictor.detector.name,
        "photos": len(paths),
        "predictions": len(timings),
        "megapixels_median": round(statistics.median(megapixels), 2),
        "load_s": round(loaded - started, 2),
        "warm_up_s": round(warmed - loaded, 2),
        "first_photo_ms": first_photo_ms,
        **{
            f"{stage}_median_ms": round(statistics.median(t[f"{stage}_ms"] for t in timings), 1)
            for stage in ("detect", "embed", "classify", "total")
        },
        "detect_embed_median_ms": round(
            statistics.median(t["detect_ms"] + t["embed_ms"] for t in timings), 1
        ),
        "total_p90_ms": round(statistics.quantiles([t["total_ms"] for t in timings], n=10)[-1], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_first_round_mb": resident_mb[0],
        "rss_last_round_mb": resident_mb[-1],
    }


def compare(
    model_dir: Path, data_dir: Path, *, weights: Path, detectors: list[str], rounds: int = 1
) -> list[dict[str, Any]]:
    """`benchmark` once per detector, each in a fresh process of its own, one after the
    other: MTCNN brings TensorFlow's 560 MB, which must not count against BlazeFace."""
    context = multiprocessing.get_context("spawn")
    reports = []
    for detector in detectors:
        with context.Pool(1) as pool:
            reports.append(
                pool.apply(
                    benchmark,
                    (model_dir, data_dir),
                    {"weights": weights, "rounds": rounds, "detector": detector},
                )
            )
    return reports


def _resident_mb() -> int:
    """This process's resident memory now (Linux), where peak RSS only ever grows."""
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(resident_pages * resource.getpagesize() / 2**20)
