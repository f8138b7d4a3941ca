"""How fast and how big the predictor is: the figures behind docs/benchmarks.md."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ml.dataset import scan
from ml.imaging import load_image
from ml.predictor import Predictor

WARM_UP = 3


def benchmark(
    model_dir: Path, data_dir: Path, *, weights: Path, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Load and warm-up time, then per-stage medians over every photo in `data_dir`, one at a
    time; the first photos after warm-up are timed apart, as a freshly started worker sees them."""
    images = [load_image(photo.path).image for photo in scan(data_dir)]
    started = time.perf_counter()
    predictor = Predictor.load(model_dir, weights)
    loaded = time.perf_counter()
    predictor.warm_up()
    warmed = time.perf_counter()
    first_photo_ms = predictor.predict(images[0]).timings["total_ms"]
    for image in images[1:WARM_UP]:
        predictor.predict(image)
    progress(f"Model loaded in {loaded - started:.2f} s; timing {len(images)} photos ...")
    timings = [predictor.predict(image).timings for image in images]
    report = {
        "photos": len(images),
        "megapixels_median": round(statistics.median(i.width * i.height / 1e6 for i in images), 2),
        "load_s": round(loaded - started, 2),
        "warm_up_s": round(warmed - loaded, 2),
        "first_photo_ms": first_photo_ms,
        **{
            f"{stage}_median_ms": round(statistics.median(t[f"{stage}_ms"] for t in timings), 1)
            for stage in ("detect", "embed", "classify", "total")
        },
        "total_p90_ms": round(statistics.quantiles([t["total_ms"] for t in timings], n=10)[-1], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    return report
