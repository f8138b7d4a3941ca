"""How fast and how big the predictor is, how long training takes, and how naming a face
scales with the roster: the figures behind docs/benchmarks.md."""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ml.artifact import Manifest
from ml.dataset import scan
from ml.embedder import EMBEDDING_SIZE
from ml.imaging import load_image
from ml.neighbours import EXPANSION_SEARCH, SCANNED, FaceIndex, recall_at_10, reranked
from ml.normalisation import Normaliser
from ml.predictor import Predictor
from ml.recognizer import Lines, Recognizer
from ml.results import UNKNOWN

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
    cpu = 0.0
    for round_number in range(1, rounds + 1):
        for path in paths:
            image = load_image(path).image
            megapixels.append(image.width * image.height / 1e6)
            started_cpu = time.process_time()
            timings.append(predictor.predict(image).timings)
            cpu += time.process_time() - started_cpu
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
        # A worker's CPU per photo is a mean: this is what to hold it against.
        "detect_embed_mean_ms": round(
            statistics.mean(t["detect_ms"] + t["embed_ms"] for t in timings), 1
        ),
        # The same in CPU time (every thread's), naming included: on a loaded machine wall
        # time counts the waits for a core too.
        "predict_cpu_mean_ms": round(1000 * cpu / len(timings), 1),
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


def training_benchmark(
    *,
    athletes: int = 450,
    photos_each: int = 10,
    reviewed: int = 200,
    cohort: int = 1500,
    seed: int = 0,
) -> dict[str, Any]:
    """Time `ml.training.train_embedded`, the fit from stored embeddings, from the call to the
    saved model: `athletes` × `photos_each` example photos plus `reviewed` reviewed faces and a
    `cohort` of strangers' faces; then the same model with one more athlete, fitted again from
    everything stored (nothing is embedded again).

    Synthetic: each athlete's faces are a random direction plus noise (about as close to their
    centroid as FaceNet's are), one photo in three has a bystander, strangers are random
    directions; the reviewed faces go to the athletes in turn, every fourth to nobody known.
    The embeddings are made before the clock starts, as the site reads them from its database.
    """
    from ml.features import PhotoEmbeddings
    from ml.reviewed import ReviewedFace
    from ml.training import train_embedded

    rng = np.random.default_rng(seed)
    labels = [f"athlete_{number:04d}" for number in range(athletes + 1)]
    centres = _unit(rng.normal(size=(len(labels), EMBEDDING_SIZE)))

    def face_of(number: int) -> np.ndarray:
        return _unit(centres[number] + 0.08 * rng.normal(size=EMBEDDING_SIZE))

    def photos_of(number: int) -> list[PhotoEmbeddings]:
        stored = []
        for shot in range(photos_each):
            faces = [face_of(number)]
            if shot % 3 == 2:
                faces.append(_unit(rng.normal(size=EMBEDDING_SIZE)))
            stored.append(
                PhotoEmbeddings.stored(f"{labels[number]}-{shot}", labels[number], np.stack(faces))
            )
        return stored

    examples = [photo for number in range(athletes) for photo in photos_of(number)]
    faces = [
        ReviewedFace(
            f"reviewed-{n}",
            _unit(rng.normal(size=EMBEDDING_SIZE)) if n % 4 == 3 else face_of(n % athletes),
            UNKNOWN if n % 4 == 3 else labels[n % athletes],
        )
        for n in range(reviewed)
    ]
    strangers = _unit(rng.normal(size=(cohort, EMBEDDING_SIZE)))
    newcomer = photos_of(athletes)
    with tempfile.TemporaryDirectory() as temporary:
        log.info(
            "Fitting %d athletes × %d photos + %d reviewed faces + a cohort of %d ...",
            athletes, photos_each, reviewed, cohort,
        )  # fmt: skip
        started = time.perf_counter()
        model_dir = train_embedded(
            examples, Path(temporary) / "models", reviewed=faces, cohort=strangers
        )
        train_s = time.perf_counter() - started
        log.info("Fitting again with one more athlete ...")
        started = time.perf_counter()
        train_embedded(
            examples + newcomer, Path(temporary) / "more", reviewed=faces, cohort=strangers
        )
        add_one_s = time.perf_counter() - started
        report = Manifest.read(model_dir).held_out
    assert report is not None  # train_embedded always measures what it held out
    return {
        "athletes": athletes,
        "photos": athletes * photos_each,
        "reviewed_faces": reviewed,
        "held_out_faces": report.held_out_faces,
        "cohort_faces": cohort,
        "train_s": round(train_s, 2),
        "one_more_athlete_train_s": round(add_one_s, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def recognition_benchmark(
    rosters: list[int], *, faces: int = 3000, rounds: int = 5, seed: int = 0, cohort: int = 0
) -> list[dict[str, Any]]:
    """Time the real `Recognizer.name` per face for rosters of each size in `rosters`.

    Synthetic: each athlete's centroid is a random unit vector with lines 0.7 (sure) and
    0.6 (unknown); half the faces are a centroid plus noise (most of them named), half are
    random unit vectors (nobody). With a `cohort` of that many random faces, scores are
    normalised against it (``ml.normalisation``; lines 5 and 3 on that scale). Faces are named
    one photo at a time, as the worker names them: photos of one face, and photos of six
    faces (time per face). The rosters take turns over `rounds` rounds, so a busy moment of
    a shared machine hits them alike.
    """
    rng = np.random.default_rng(seed)
    strangers = _unit(rng.normal(size=(cohort, EMBEDDING_SIZE))) if cohort else None
    lines = Lines(sure=5.0, unknown=3.0) if cohort else Lines(sure=0.7, unknown=0.6)
    setups = {}
    for size in rosters:
        centres = _unit(rng.normal(size=(size, EMBEDDING_SIZE)))
        labels = [f"athlete_{number:03d}" for number in range(size)]
        near = _unit(
            centres[rng.integers(size, size=faces // 2)]
            + 0.05 * rng.normal(size=(faces // 2, EMBEDDING_SIZE))
        )
        queries = np.concatenate(
            [near, _unit(rng.normal(size=(faces - faces // 2, EMBEDDING_SIZE)))]
        )
        recognizer = Recognizer(
            labels,
            centres,
            dict.fromkeys(labels, lines),
            None if strangers is None else Normaliser(centres, strangers),
        )
        setups[size] = (recognizer, queries[rng.permutation(faces)])
    alone: dict[int, list[float]] = {size: [] for size in rosters}
    grouped: dict[int, list[float]] = {size: [] for size in rosters}
    named: dict[int, int] = dict.fromkeys(rosters, 0)
    for _ in range(rounds):
        for size, (recognizer, queries) in setups.items():
            for face in queries[:WARM_UP]:
                recognizer.name(face[np.newaxis])
            for face in queries:
                started = time.perf_counter_ns()
                (naming,) = recognizer.name(face[np.newaxis])
                alone[size].append((time.perf_counter_ns() - started) / 1000)
                named[size] += naming.label != UNKNOWN
            for start in range(0, len(queries) - 5, 6):
                started = time.perf_counter_ns()
                recognizer.name(queries[start : start + 6])
                grouped[size].append((time.perf_counter_ns() - started) / 1000 / 6)
    return [
        {
            "athletes": size,
            "cohort_faces": cohort,
            "faces_named_per_round": len(setups[size][1]),
            "share_named_surely": round(named[size] / (rounds * len(setups[size][1])), 3),
            "per_face_median_us": round(statistics.median(alone[size]), 1),
            "per_face_p90_us": round(statistics.quantiles(alone[size], n=10)[-1], 1),
            "per_face_in_6_face_photos_median_us": round(statistics.median(grouped[size]), 1),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
        for size in rosters
    ]


# Within this cosine of the tenth exact neighbour a face returned counts (ann-benchmarks' way).
RECALL_TOLERANCE = 0.01


def neighbours_benchmark(
    faces: int, breadths: list[int], *, queries: int = 200, seed: int = 0
) -> list[dict[str, Any]]:
    """The face index's recall@10 against exact search and its search time, at each search
    breadth of its graph and by scanning its int8 vectors for 100 faces reordered by their float
    embeddings (what "more photos" does), on an
    archive spread as ``manage.py seed_history`` spreads it, without a database:
    42% of the faces are the two athletes' (a random direction each), the rest strangers' of
    about ten faces each, every face 0.5 per dimension off its person (cosine about 0.8).
    """
    rng = np.random.default_rng(seed)
    athletes, strangers = (
        rng.normal(size=(2, EMBEDDING_SIZE)),
        rng.normal(size=(max(1, faces // 18), EMBEDDING_SIZE)),
    )
    named = int(faces * 0.42)
    people = np.concatenate(
        [
            athletes[rng.integers(2, size=named)],
            strangers[rng.integers(len(strangers), size=faces - named)],
        ]
    )
    vectors = (people + rng.normal(scale=0.5, size=people.shape)).astype(np.float32)
    ids = np.arange(1, faces + 1)
    index = FaceIndex()
    started = time.perf_counter()
    for start in range(0, faces, 10_000):
        index.add(ids[start : start + 10_000].tolist(), vectors[start : start + 10_000])
    build_s = time.perf_counter() - started

    def scan_reordered(vector: np.ndarray, count: int) -> list[tuple[int, float]]:
        found = index.nearest(vector, SCANNED, exact=True)
        return reranked(vector, {pk: vectors[pk - 1] for pk, _ in found}, count)

    reports = []
    for breadth in [*breadths, 0]:
        index.index.expansion_search = breadth or EXPANSION_SEARCH  # type: ignore[misc]
        search = index.nearest if breadth else scan_reordered
        times = []
        for row in rng.choice(faces, queries, replace=False):
            started = time.perf_counter()
            search(vectors[row], 100)
            times.append((time.perf_counter() - started) * 1000)
        exact, lowest = recall_at_10(search, ids, vectors, queries)
        within, _ = recall_at_10(search, ids, vectors, queries, tolerance=RECALL_TOLERANCE)
        ours = " (ours)" if breadth == EXPANSION_SEARCH else ""
        reports.append(
            {
                "faces": faces,
                "search": f"breadth {breadth}{ours}" if breadth else "scan, reordered",
                "build_s": round(build_s, 1),
                "recall_at_10": round(exact, 3),
                "recall_at_10_lowest": round(lowest, 2),
                f"recall_at_10_within_{RECALL_TOLERANCE}": round(within, 3),
                "search_100_p50_ms": round(statistics.median(times), 2),
                "search_100_p95_ms": round(statistics.quantiles(times, n=20)[-1], 2),
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
        )
    return reports


def _unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)
