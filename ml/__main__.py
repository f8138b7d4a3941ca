"""`python -m ml`: fetch weights, train, predict, evaluate and benchmark from the shell."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from ml import weights
from ml.errors import ImageRejected, ModelError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
        "--weights",
        type=Path,
        default=Path(os.environ.get("ATHLETES_FACENET_WEIGHTS") or weights.default_weights_path()),
        help="FaceNet weights file (default: $ATHLETES_FACENET_WEIGHTS or the user cache)",
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

    train = commands.add_parser("train", help="train a model from a folder of photos")
    train.add_argument(
        "--data", type=Path, default=data_default, required=not data_default, help=data_help
    )
    train.add_argument("--out", type=Path, required=True, help="folder to put the model in")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--cv", type=int, default=5, help="folds for the manifest's metrics")
    train.add_argument(
        "--name",
        type=_display_name,
        action="append",
        default=[],
        metavar="LABEL=NAME",
        help='an athlete\'s display name, e.g. lebron_james="LeBron James" (default: from '
        "the folder name); repeat for several",
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

    evaluate = commands.add_parser("evaluate", help="cross-validate ours beside the demo CNN")
    evaluate.add_argument(
        "--data", type=Path, default=data_default, required=not data_default, help=data_help
    )
    evaluate.add_argument("--cv", type=int, default=5, help="number of folds")
    evaluate.add_argument("--repeats", type=int, default=3)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--no-baseline", action="store_true", help="skip the demo CNN")
    evaluate.add_argument(
        "--out",
        type=Path,
        default=Path("var/evaluation"),
        help="where to write evaluation.json and the confusion plots",
    )
    evaluate.set_defaults(run=_evaluate)

    bench = commands.add_parser("bench", help="load time, per-stage speed and peak memory")
    bench.add_argument("--model", type=Path, required=True)
    bench.add_argument(
        "--data", type=Path, default=data_default, required=not data_default, help=data_help
    )
    bench.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="go over the photos this many times, to see whether memory levels off",
    )
    bench.set_defaults(run=_bench)
    return parser


def _weights(args) -> int:
    from ml.backbone import ensure_lite, lite_path

    if args.action == "fetch":
        weights.fetch(args.weights)
        print(f"FaceNet converted for LiteRT: {ensure_lite(args.weights)}")
        return 0
    print(f"FaceNet weights OK: {weights.verify(args.weights)}")
    lite = lite_path(args.weights)
    if lite.is_file():
        print(f"FaceNet converted for LiteRT: {lite}")
    else:
        print("FaceNet not yet converted for LiteRT: `weights fetch` or the first load does it.")
    return 0


def _samples(args) -> int:
    from ml.sample_data import fetch_sample_photos

    fetch_sample_photos(args.out)
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
    )
    return 0


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
            refused = {"path": str(path), "label": None, "confidence": None, "faces": []}
            print(json.dumps({**refused, "error": str(error)}), flush=True)
            continue
        result = predictor.predict(image)
        print(json.dumps({"path": str(path), **result.to_dict()}), flush=True)
        if args.annotate:
            annotated = annotate(image, result, predictor.display_names)
            annotated.save(args.annotate / f"{number:04d}-{path.stem}.annotated.jpg", quality=90)
    return 0


def _evaluate(args) -> int:
    from ml.comparison import evaluate
    from ml.evaluation import save_confusion_plot

    report = evaluate(
        args.data,
        weights=args.weights,
        folds=args.cv,
        repeats=args.repeats,
        seed=args.seed,
        with_baseline=not args.no_baseline,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{'model':<28}{'accuracy (mean ± std)':>24}")
    names = {"ours": "ours (MTCNN+FaceNet+head)", "baseline": "demo CNN (whole photo)"}
    for name, metrics in report.items():
        save_confusion_plot(metrics["confusion_matrix"], args.out / f"confusion_{name}.png")
        accuracy = f"{metrics['accuracy_mean']:.1%} ± {metrics['accuracy_std']:.1%}"
        print(f"{names[name]:<28}{accuracy:>24}")
        for label, scores in metrics["per_label"].items():
            print(
                f"  {label:<26}precision {scores['precision']:.1%}  recall {scores['recall']:.1%}"
            )
    print(f"\nWrote {args.out / 'evaluation.json'} and confusion plots.")
    return 0


def _bench(args) -> int:
    from ml.bench import benchmark

    report = benchmark(args.model, args.data, weights=args.weights, rounds=args.rounds)
    for key, value in report.items():
        print(f"{key:<22}{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
