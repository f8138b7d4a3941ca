"""`bench` reports every figure docs/benchmarks.md quotes, measured on real photos."""

from pathlib import Path

from ml.bench import benchmark
from tests.logs import logged_lines


def test_it_reports_load_time_stage_medians_and_peak_memory(
    trained_model_dir: Path, small_dataset: Path, facenet_weights: Path
):
    with logged_lines() as messages:
        report = benchmark(trained_model_dir, small_dataset, weights=facenet_weights)

    assert report["photos"] == report["predictions"] == 14  # six photos, one blank, each
    assert 0.05 < report["megapixels_median"] < 1
    assert report["load_s"] > 0 and report["warm_up_s"] > 0
    for stage in ("detect", "embed", "classify"):
        assert report[f"{stage}_median_ms"] > 0
    assert report["total_median_ms"] <= report["total_p90_ms"]
    assert report["first_photo_ms"] > 0
    # One photo is blank: the detector looks at it, nothing is embedded.
    assert report["detect_embed_mean_ms"] > 0 and report["predict_cpu_mean_ms"] > 0
    assert report["peak_rss_mb"] > 200  # TensorFlow and FaceNet are in this process
    assert messages and messages[0].startswith("Model loaded in")


def test_more_rounds_predict_every_photo_again_and_report_memory_after_each(
    trained_model_dir: Path, small_dataset: Path, facenet_weights: Path
):
    with logged_lines() as messages:
        report = benchmark(trained_model_dir, small_dataset, weights=facenet_weights, rounds=2)

    assert report["predictions"] == 2 * report["photos"]
    assert messages[1:] == [
        f"round 1/2: {report['rss_first_round_mb']} MB resident",
        f"round 2/2: {report['rss_last_round_mb']} MB resident",
    ]
    assert 200 < report["rss_first_round_mb"] <= report["peak_rss_mb"]


def test_the_training_benchmark_fits_stored_embeddings_and_one_more_athlete():
    from ml.bench import training_benchmark
    from ml.reviewed import held_out

    report = training_benchmark(athletes=20, photos_each=4, reviewed=12, cohort=1000)

    assert (report["athletes"], report["photos"], report["cohort_faces"]) == (20, 80, 1000)
    assert report["reviewed_faces"] == 12
    assert report["held_out_faces"] == sum(held_out(f"reviewed-{n}") for n in range(12))
    assert report["train_s"] > 0 and report["one_more_athlete_train_s"] > 0


def test_the_recognition_benchmark_names_faces_against_each_roster():
    from ml.bench import recognition_benchmark

    reports = recognition_benchmark([2, 40], faces=60, rounds=2)

    assert [report["athletes"] for report in reports] == [2, 40]
    for report in reports:
        assert report["faces_named_per_round"] == 60
        # Half the faces lie near a centroid and are named, the random half are nobody.
        assert report["share_named_surely"] == 0.5
        assert 0 < report["per_face_median_us"] <= report["per_face_p90_us"]
        assert report["per_face_in_6_face_photos_median_us"] > 0
