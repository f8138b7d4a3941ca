"""`python -m ml`: fetch weights, train, predict, evaluate and benchmark from the shell."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path

from ml import weights
from ml.errors import ImageRejected, ModelError
from ml.faces import DETECTORS
from ml.native_logs import quiet_native_libraries
from ml.url_dataset import Limits


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.verbose:
        quiet_native_libraries()
    _show_progress()
    try:
        return args.run(args)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _show_progress() -> None:
    """The library's progress lines on stderr, so stdout carries only each command's result."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    library = logging.getLogger("ml")
    library.addHandler(handler)
    library.setLevel(logging.INFO)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__)
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also show TensorFlow's, absl's and LiteRT's own log lines",
    )
    parser.add_argument(
        "--weights",
        type=Path,
        default=Path(os.environ.get("ATHLETES_FACENET_WEIGHTS") or weights.default_weights_path()),
        help="FaceNet weights file (default: $ATHLETES_FACENET_WEIGHTS or the user cache)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="where embeddings of dev sets and cohorts are kept (default: "
        "~/.cache/athletes/embeddings)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    data_default = os.environ.get("ATHLETES_SAMPLE_DATA")
    data_help = "folder of <label>/<photos> (default: $ATHLETES_SAMPLE_DATA)"

    fetch = commands.add_parser(
        "weights", help="fetch (and convert for LiteRT) or check the FaceNet weights"
    )
    fetch.add_argument("action", choices=["fetch", "check"])
    fetch.set_defaults(run=_weights)

    samples = commands.add_parser("samples", help="download the demo's 60 public photos")
    samples.add_argument("--out", type=Path, required=True, help="folder to put them in")
    samples.set_defaults(run=_samples)

    people = commands.add_parser(
        "people", help="download photos of five other people, for tests that enrol them"
    )
    people.add_argument("--out", type=Path, required=True, help="folder to put them in")
    people.set_defaults(run=_people)

    dataset = commands.add_parser(
        "dataset", help="build a training folder from a list of image URLs"
    )
    dataset.add_argument("action", choices=["build"])
    dataset.add_argument("urls", type=Path, metavar="URLS.txt", help="one label<TAB>url a line")
    dataset.add_argument("--out", type=Path, required=True, help="the <label>/<photos> folder")
    dataset.add_argument(
        "--timeout",
        type=float,
        default=Limits.timeout,
        help="seconds for a whole download, redirects included",
    )
    dataset.add_argument(
        "--max-bytes", type=int, default=Limits.max_bytes, help="largest download kept"
    )
    dataset.add_argument(
        "--min-side",
        type=int,
        default=Limits.min_side,
        help="smallest shorter side kept, in pixels",
    )
    dataset.add_argument(
        "--allow-network",
        action="append",
        default=[],
        metavar="CIDR",
        help="a loopback or private network to fetch from all the same (127.0.0.0/8); "
        "repeatable. Without it only public addresses are fetched, at every redirect",
    )
    dataset.set_defaults(run=_dataset)

    train = commands.add_parser("train", help="train a model from a folder of photos")
    train.add_argument(
        "--data", type=Path, default=data_default, required=not data_default, help=data_help
    )
    train.add_argument("--out", type=Path, required=True, help="folder to put the model in")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--cv",
        type=int,
        default=0,
        help="cross-validate with this many folds for the manifest's metrics (default 0: no)",
    )
    train.add_argument(
        "--cohort",
        type=Path,
        metavar="DIR",
        help="photos of people who are not enrolled (every face in them): a cohort of at "
        "least 1,000 faces sets the lines and normalises the scores",
    )
    train.add_argument(
        "--name",
        type=_display_name,
        action="append",
        default=[],
        metavar="LABEL=NAME",
        help='an athlete\'s display name, e.g. lebron_james="LeBron James" (default: from '
        "the folder name); repeat for several",
    )
    train.add_argument(
        "--detector", choices=DETECTORS, default="blazeface", help="face detector to train with"
    )
    train.add_argument(
        "--rejected",
        type=Path,
        metavar="NPZ",
        help="faces reviewers marked as not an athlete: an .npz with one array of FaceNet "
        "embeddings per athlete label; more impostors for the calibration",
    )
    train.set_defaults(run=_train)

    predict = commands.add_parser("predict", help="name the athletes in photos (JSON lines)")
    predict.add_argument("--model", type=Path, required=True, help="a trained model folder")
    predict.add_argument(
        "--annotate",
        type=Path,
        metavar="OUTDIR",
        help="also write each photo with boxes and names here",
    )
    predict.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    predict.set_defaults(run=_predict)

    evaluate = commands.add_parser(
        "evaluate",
        help="cross-validate ours beside the demo CNN, or (--dev) measure a model on unseen photos",
    )
    evaluate.add_argument("--data", type=Path, default=data_default, help=data_help)
    evaluate.add_argument(
        "--dev",
        type=Path,
        metavar="DIR",
        help="instead: name the photos of DIR (<athlete>/, others/, groups/) and report false "
        "accepts, recall, group photos and a DET curve",
    )
    evaluate.add_argument(
        "--model",
        type=Path,
        help="with --dev: the model to measure (default: train one on --data into --out)",
    )
    evaluate.add_argument(
        "--league",
        type=Path,
        metavar="DIR",
        help="instead: enrol people of DIR/enrol/ (a roster of each of --sizes), search with "
        "DIR/probe/ and DIR/strangers/, and report open-set identification (FNIR at FPIR) "
        "and a desk's figures",
    )
    evaluate.add_argument(
        "--sizes",
        type=_sizes,
        default=[10, 50, None],
        help="with --league: roster sizes, comma-separated, 'all' for everyone (default 10,50,all)",
    )
    evaluate.add_argument(
        "--cohort",
        type=Path,
        metavar="DIR",
        help="photos of people who are not enrolled, to calibrate on (every face in them)",
    )
    evaluate.add_argument(
        "--compare-detector",
        choices=DETECTORS,
        help="with --dev: list group faces this detector finds and the model's misses",
    )
    evaluate.add_argument("--detector", choices=DETECTORS, default="blazeface")
    evaluate.add_argument("--cv", type=int, default=5, help="number of folds")
    evaluate.add_argument("--repeats", type=int, default=3)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--no-baseline", action="store_true", help="skip the demo CNN")
    evaluate.add_argument(
        "--out",
        type=Path,
        default=Path("var/evaluation"),
        help="where to write evaluation.json and the confusion plots, or with --dev "
        "dev_evaluation.json and det_curve.png",
    )
    evaluate.set_defaults(run=_evaluate)

    bench = commands.add_parser(
        "bench",
        help="load time, per-stage speed and peak memory; or (training) the time to fit from "
        "stored embeddings, or (recognition) naming time per face against rosters of several "
        "sizes",
    )
    bench.add_argument(
        "what",
        nargs="?",
        choices=["predictor", "training", "recognition", "neighbours"],
        default="predictor",
        help="predictor (default): the served model on --data's photos; training: fit "
        "--athletes × --photos-each synthetic stored embeddings plus --reviewed reviewed faces "
        "and --cohort-faces strangers, then once more with one more athlete; recognition: "
        "synthetic rosters of each --roster size, plain and normalised against --cohort-faces; "
        "neighbours: the face index's recall@10 and search time at each --breadth on --faces "
        "made-up faces spread as seed_history spreads them",
    )
    bench.add_argument("--model", type=Path, help="the model to serve (predictor)")
    bench.add_argument("--data", type=Path, default=data_default, help=data_help)
    bench.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="predictor: go over the photos this many times, to see whether memory levels "
        "off; recognition: rounds in which the rosters take turns",
    )
    bench.add_argument(
        "--detector",
        choices=DETECTORS,
        action="append",
        help="face detector (default: the model's); give it twice, e.g. --detector blazeface "
        "--detector mtcnn, to measure each in its own process and print them side by side",
    )
    bench.add_argument("--athletes", type=int, default=450, help="training: athletes")
    bench.add_argument("--photos-each", type=int, default=10, help="training: photos each")
    bench.add_argument("--reviewed", type=int, default=200, help="training: reviewed faces")
    bench.add_argument(
        "--cohort-faces", type=int, default=1500, help="training and recognition: cohort size"
    )
    bench.add_argument(
        "--roster",
        type=int,
        action="append",
        help="recognition: an enrolled roster's size; repeat (default: 2, 50 and 500)",
    )
    bench.add_argument(
        "--faces", type=int, default=200_000, help="neighbours: faces in the archive"
    )
    bench.add_argument(
        "--breadth",
        type=int,
        action="append",
        help="neighbours: a search breadth; repeat (default: 64, 128 and 512)",
    )
    bench.set_defaults(run=_bench)

    replay = commands.add_parser(
        "replay",
        help="replay a desk on a league dev set: enrol from a few photos, review uploads in "
        "rounds, train after each, and measure every model on photos never uploaded",
    )
    replay.add_argument("--league", type=Path, required=True, metavar="DIR", help="the league")
    replay.add_argument("--first", type=int, default=3, help="photos each person enrols with")
    replay.add_argument("--rounds", type=int, default=3, help="rounds the uploads come in")
    replay.add_argument(
        "--cohort",
        type=Path,
        metavar="DIR",
        help="photos of people who are not enrolled, to calibrate on (every face in them)",
    )
    replay.add_argument("--seed", type=int, default=0)
    replay.add_argument(
        "--out", type=Path, default=Path("var/replay"), help="where replay.json and the plot go"
    )
    replay.set_defaults(run=_replay)

    cluster = commands.add_parser(
        "cluster", help="measure how unknown faces group by person on a dev folder's others/"
    )
    cluster.add_argument(
        "--dev", type=Path, required=True, help="a dev folder with others/<person>/<photos>"
    )
    cluster.add_argument(
        "--threshold",
        type=float,
        action="append",
        help="a cosine distance to group at; repeat for several (default: 0.3 to 0.6)",
    )
    cluster.add_argument("--detector", choices=DETECTORS, default="blazeface")
    cluster.set_defaults(run=_cluster)
    return parser


def _weights(args) -> int:
    """Every network is converted, the float32 one too, so that a worker serving a model made
    before dynamic-int8 never converts (nor needs TensorFlow) at its first photo. `check`
    fails while one is missing."""
    if args.action == "fetch":
        weights.fetch(args.weights)
        for network in weights.NETWORKS:
            lite = weights.converted(args.weights, network)
            print(f"FaceNet converted for LiteRT, {network}: {lite}")
        return 0
    print(f"FaceNet weights OK: {weights.verify(args.weights)}")
    missing = 0
    for network in weights.NETWORKS:
        lite = weights.lite_path(args.weights, network)
        if lite.is_file():
            print(f"FaceNet converted for LiteRT, {network}: {lite}")
        else:
            missing += 1
            print(
                f"FaceNet not yet converted for LiteRT, {network}: `weights fetch` or the "
                "first load does it."
            )
    return 1 if missing else 0


def _samples(args) -> int:
    from ml.sample_data import fetch_sample_photos

    fetch_sample_photos(args.out)
    return 0


def _people(args) -> int:
    from ml.sample_people import fetch_sample_people

    fetch_sample_people(args.out)
    return 0


def _dataset(args) -> int:
    from ml.fetch import networks
    from ml.url_dataset import build

    try:
        allowed = networks(args.allow_network)
    except ValueError as error:
        raise ModelError(f"--allow-network: {error}") from error
    limits = Limits(
        timeout=args.timeout,
        max_bytes=args.max_bytes,
        min_side=args.min_side,
        allowed_networks=allowed,
    )
    print(build(args.urls, args.out, limits))
    return 0


def _train(args) -> int:
    from ml.training import train

    train(
        args.data,
        args.out,
        weights=args.weights,
        seed=args.seed,
        cv_folds=args.cv,
        display_names=dict(args.name),
        detector=args.detector,
        rejected=_rejected(args.rejected),
        cohort=_cohort(args),
    )
    return 0


def _cohort(args):
    """The faces of --cohort's photos, embedded once and kept (``ml.embedding_cache``)."""
    if args.cohort is None:
        return None
    from ml.league import load_cohort

    return load_cohort(args.cohort, weights=args.weights, cache_dir=args.cache)


def _rejected(path: Path | None) -> dict | None:
    if path is None:
        return None
    import numpy as np

    from ml.embedder import EMBEDDING_SIZE

    try:
        with np.load(path) as arrays:
            rejected = {label: arrays[label] for label in arrays.files}
    except (OSError, ValueError) as error:
        raise ModelError(f"Cannot read the rejected faces in {path}: {error}") from error
    for label, faces in rejected.items():
        if faces.ndim != 2 or faces.shape[1] != EMBEDDING_SIZE:
            raise ModelError(
                f"{path}: {label} holds an array of shape {faces.shape}; expected one "
                f"{EMBEDDING_SIZE}-number FaceNet embedding per row."
            )
    return rejected


def _display_name(value: str) -> tuple[str, str]:
    label, equals, name = value.partition("=")
    if not (label and equals and name.strip()):
        raise argparse.ArgumentTypeError(f"expected LABEL=NAME, got {value!r}")
    return label, name.strip()


def _predict(args) -> int:
    from ml.annotate import annotate
    from ml.imaging import load_image
    from ml.predictor import Predictor

    predictor = Predictor.load(args.model, args.weights)
    if args.annotate:
        args.annotate.mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(args.images, start=1):
        try:
            image = load_image(path).image
        except (ImageRejected, OSError) as error:
            refused: dict[str, object] = {
                "path": str(path),
                "label": None,
                "score": None,
                "faces": [],
            }
            print(json.dumps({**refused, "error": str(error)}), flush=True)
            continue
        result = predictor.predict(image)
        print(json.dumps({"path": str(path), **result.to_dict()}), flush=True)
        if args.annotate:
            annotated = annotate(image, result, predictor.display_names)
            annotated.save(args.annotate / f"{number:04d}-{path.stem}.annotated.jpg", quality=90)
    return 0


def _evaluate(args) -> int:
    if args.league:
        return _evaluate_league(args)
    if args.data is None and not (args.dev and args.model):
        raise ModelError("Give --data (or set ATHLETES_SAMPLE_DATA): the photos to train on.")
    if args.dev:
        return _evaluate_dev(args)
    from ml.comparison import evaluate
    from ml.evaluation import misses, save_confusion_plot

    report = evaluate(
        args.data,
        weights=args.weights,
        folds=args.cv,
        repeats=args.repeats,
        seed=args.seed,
        with_baseline=not args.no_baseline,
        detector=args.detector,
        cohort=_cohort(args),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{'model':<28}{'accuracy (mean ± std)':>24}")
    names = {"ours": f"ours ({args.detector}+FaceNet)", "baseline": "demo CNN (whole photo)"}
    for name, metrics in report.items():
        save_confusion_plot(metrics["confusion_matrix"], args.out / f"confusion_{name}.png")
        accuracy = f"{metrics['accuracy_mean']:.1%} ± {metrics['accuracy_std']:.1%}"
        print(f"{names[name]:<28}{accuracy:>24}")
        if "identification_accuracy" in metrics:
            missed = misses(metrics["confusion_matrix"])
            photos = sum(map(sum, metrics["confusion_matrix"]["counts"]))
            right = sum(
                metrics["confusion_matrix"]["counts"][i][i]
                for i in range(len(metrics["confusion_matrix"]["rows"]))
            )
            print(
                f"  closest athlete right     {metrics['identification_accuracy']:.1%}; "
                f"held-out photos not named surely: {missed['flagged']} flagged for review "
                f"({metrics['flagged_right']} with the right candidate), "
                f"{missed['unknown']} unknown, {missed['no_face']} no face, "
                f"{missed['named_wrongly']} named wrongly; named or flagged right "
                f"{(right + metrics['flagged_right']) / photos:.1%} of {photos}"
            )
        for label, scores in metrics["per_label"].items():
            print(
                f"  {label:<26}precision {scores['precision']:.1%}  recall {scores['recall']:.1%}"
            )
    print(f"\nWrote {args.out / 'evaluation.json'} and confusion plots.")
    return 0


def _evaluate_dev(args) -> int:
    from ml.artifact import DET_PLOT, DEV_REPORT
    from ml.det import save_det_plot
    from ml.dev_evaluation import evaluate_dev, print_report
    from ml.predictor import Predictor

    model = args.model
    if model is None:
        from ml.training import train

        model = train(
            args.data,
            args.out / "models",
            weights=args.weights,
            detector=args.detector,
            cohort=_cohort(args),
        )
    report = evaluate_dev(Predictor.load(model, args.weights), args.dev, args.compare_detector)
    report = dataclasses.replace(report, model=str(model))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / DEV_REPORT).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    save_det_plot(report.det, args.out / DET_PLOT)
    print_report(report)
    print(f"\nWrote {args.out / DEV_REPORT} and {args.out / DET_PLOT}.")
    return 0


def _evaluate_league(args) -> int:
    from ml.det import DetCurve, save_det_plot
    from ml.league import load_league
    from ml.league_evaluation import evaluate_league, print_reports

    league = load_league(args.league, weights=args.weights, cache_dir=args.cache)
    reports = evaluate_league(league, args.sizes, seed=args.seed, cohort=_cohort(args))
    args.out.mkdir(parents=True, exist_ok=True)
    report_path = args.out / "league_evaluation.json"
    report_path.write_text(json.dumps(reports, indent=2) + "\n")
    for report in reports:
        save_det_plot(
            DetCurve.from_dict(report),
            args.out / f"det_{report['people']}.png",
            impostors="strangers named: FPIR",
            athletes="probes not named right: FNIR",
        )
    print_reports(reports)
    print(f"\nWrote {report_path} and a DET plot per roster size (det_<people>.png).")
    return 0


def _sizes(value: str) -> list[int | None]:
    sizes: list[int | None] = []
    for part in value.split(","):
        if part.strip() == "all":
            sizes.append(None)
        elif part.strip().isdigit() and int(part) >= 2:
            sizes.append(int(part))
        else:
            raise argparse.ArgumentTypeError(
                f"expected roster sizes of at least 2 or 'all', comma-separated, got {value!r}"
            )
    return sizes


def _bench(args) -> int:
    from ml.bench import (
        benchmark,
        compare,
        neighbours_benchmark,
        recognition_benchmark,
        training_benchmark,
    )

    if args.what == "training":
        report = training_benchmark(
            athletes=args.athletes,
            photos_each=args.photos_each,
            reviewed=args.reviewed,
            cohort=args.cohort_faces,
        )
        for key, value in report.items():
            print(f"{key:<30}{value!s:>12}")
        return 0
    if args.what == "neighbours":
        reports = neighbours_benchmark(args.faces, args.breadth or [64, 128, 512])
        for key in reports[0]:
            print(f"{key:<30}" + "".join(f"{report[key]!s:>20}" for report in reports))
        return 0
    if args.what == "recognition":
        reports = [
            report
            for cohort in (0, args.cohort_faces)
            for report in recognition_benchmark(
                args.roster or [2, 50, 500], rounds=args.rounds, cohort=cohort
            )
        ]
        for key in reports[0]:
            print(f"{key:<38}" + "".join(f"{report[key]!s:>10}" for report in reports))
        return 0
    if args.data is None:
        raise ModelError("Give --data (or set ATHLETES_SAMPLE_DATA): the photos to use.")
    if args.model is None:
        raise ModelError("Give --model: the trained model folder to benchmark.")
    detectors = args.detector or [None]
    if len(detectors) > 1:
        reports = compare(
            args.model, args.data, weights=args.weights, detectors=detectors, rounds=args.rounds
        )
    else:
        reports = [
            benchmark(
                args.model,
                args.data,
                weights=args.weights,
                rounds=args.rounds,
                detector=detectors[0],
            )
        ]
    for key in reports[0]:
        print(f"{key:<24}" + "".join(f"{report[key]!s:>14}" for report in reports))
    return 0


def _replay(args) -> int:
    from ml.league import load_league
    from ml.replay import print_rounds, replay, save_rounds_plot

    if args.first < 2 or args.rounds < 1:
        raise ModelError("Give --first 2 or more (photos to enrol with) and --rounds 1 or more.")
    league = load_league(args.league, weights=args.weights, cache_dir=args.cache)
    reports = replay(
        league, first=args.first, rounds=args.rounds, cohort=_cohort(args), seed=args.seed
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "replay.json").write_text(json.dumps(reports, indent=2) + "\n")
    save_rounds_plot(reports, args.out / "replay.png")
    print_rounds(reports)
    print(f"\nWrote {args.out / 'replay.json'} and {args.out / 'replay.png'}.")
    return 0


def _cluster(args) -> int:
    from ml.cluster_evaluation import embed_people, report
    from ml.dev_evaluation import OTHERS
    from ml.embedder import Embedder
    from ml.faces import FaceDetector

    embeddings, persons = embed_people(
        args.dev / OTHERS, FaceDetector(args.detector), Embedder(weights.verify(args.weights))
    )
    thresholds = args.threshold or [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    print("\n".join(report(embeddings, persons, thresholds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
