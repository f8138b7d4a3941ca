"""Train a recognizer from a folder of labelled photos and save it as an artifact."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ml import artifact
from ml.calibration import DEFAULT_TARGETS, Calibration, Targets, fit
from ml.dataset import MIN_FACES, Box, display_name, scan
from ml.det import save_det_plot
from ml.embedder import INPUT_SIZE, Embedder
from ml.errors import ModelError
from ml.evaluation import cross_validate_embeddings, save_confusion_plot
from ml.faces import FaceDetector
from ml.features import PhotoEmbeddings, embed_photos
from ml.held_out import HeldOutReport, measure
from ml.recognizer import Recognizer
from ml.reviewed import ReviewedFace, positives, split, strangers
from ml.weights import NETWORK

log = logging.getLogger(__name__)


def train(
    data_dir: Path,
    out_dir: Path,
    *,
    weights: Path,
    seed: int = 0,
    cv_folds: int = 5,
    display_names: Mapping[str, str] | None = None,
    detector: str = "blazeface",
    targets: Targets = DEFAULT_TARGETS,
    rejected: Mapping[str, np.ndarray] | None = None,
    reviewed: Sequence[ReviewedFace] = (),
    version: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    boxes: Mapping[Path, Box] | None = None,
    cohort: np.ndarray | None = None,
    athletes: Collection[str] = (),
    leave_out_too_few: bool = False,
) -> Path:
    """Train on `<data_dir>/<label>/<photos>`; returns the new artifact directory.

    The photos are embedded (`progress` hears (photos embedded, photos), most of the time),
    then `train_embedded` fits and saves; see it for the other arguments. `boxes` gives the
    athlete's face in the photos where a person chose it (keyed by path).
    """
    photos = scan(data_dir, boxes)
    labels = sorted({photo.label for photo in photos})
    log.info(
        "Training on %d photos of %d athletes: %s", len(photos), len(labels), ", ".join(labels)
    )
    embedder = Embedder(weights)
    embedded = embed_photos(photos, FaceDetector(detector), embedder, progress)
    return train_embedded(
        embedded,
        out_dir,
        detector=detector,
        network=embedder.network,
        cohort=cohort,
        reviewed=reviewed,
        athletes=athletes,
        leave_out_too_few=leave_out_too_few,
        rejected=rejected,
        display_names=display_names,
        targets=targets,
        cv_folds=cv_folds,
        seed=seed,
        version=version,
    )


def train_embedded(
    embedded: list[PhotoEmbeddings],
    out_dir: Path,
    *,
    detector: str = "blazeface",
    network: str = NETWORK,
    cohort: np.ndarray | None = None,
    reviewed: Sequence[ReviewedFace] = (),
    athletes: Collection[str] = (),
    leave_out_too_few: bool = False,
    rejected: Mapping[str, np.ndarray] | None = None,
    display_names: Mapping[str, str] | None = None,
    targets: Targets = DEFAULT_TARGETS,
    cv_folds: int = 0,
    seed: int = 0,
    version: str | None = None,
) -> Path:
    """Fit a model from photos already embedded, and save it; returns its directory.

    Nothing is read or embedded here: a training from stored embeddings is only the fit (about
    a second for 450 athletes of 10 photos), and adding an athlete fits everyone again from
    what is stored. `embedded` holds each example photo's faces with the athlete's face chosen
    (`PhotoEmbeddings.stored` builds one from stored vectors); `detector` and `network` say
    what made them, for serving. `cohort` holds faces of people who are probably not enrolled
    (``ml.calibration.fit``). `reviewed` are the faces reviewers decided on: those of one photo
    in four are held out to measure the model on (the manifest's `metrics["held_out"]`,
    ``ml.held_out``); the others are fitted, a face reviewed as an athlete as one more of
    their faces, any other as a known stranger. `athletes` are labels that may be trained from
    their reviewed faces alone, with no photo (someone named on People); an athlete with fewer
    than two photos has all their reviewed faces fitted, none held out. With
    `leave_out_too_few`, an athlete with fewer than MIN_FACES faces is left out (the
    manifest's `left_out`) instead of refusing the training: a site trains whom it can.
    `rejected` maps an athlete to faces known not to be them. `display_names` spells names
    the labels cannot (`LeBron James`). With `cv_folds` > 1 the photos are also
    cross-validated for the manifest's metrics (each fold a fit). `version` names the model
    when the caller chose it beforehand (`artifact.new_version`).
    """
    faces, fit_all = faces_per_athlete(embedded, reviewed, athletes)
    left_out = {label: n for label, n in faces.items() if n < MIN_FACES and leave_out_too_few}
    for label, count in left_out.items():
        log.warning("Left out %s: %d face(s), and an athlete needs %d.", label, count, MIN_FACES)
    labels = [label for label in faces if label not in left_out]
    if left_out and len(labels) < 2:
        raise ModelError(
            f"Only {len(labels)} athlete(s) have {MIN_FACES} faces or more; training needs at "
            f"least two. Too few faces: {', '.join(f'{k} ({n})' for k, n in left_out.items())}."
        )
    embedded = [item for item in embedded if item.photo.label in labels]
    skipped = [{"path": str(e.photo.path), "reason": e.skipped} for e in embedded if e.skipped]
    for refusal in skipped:
        log.info("  skipped %s: %s", refusal["path"], refusal["reason"])
    not_largest = [str(e.photo.path) for e in embedded if not e.skipped and e.athlete_index]
    for path in not_largest:
        log.info("  the athlete is not the largest face in %s", path)
    counts = dict.fromkeys(labels, 0)
    for photo in embedded:
        counts[photo.photo.label] += photo.athlete is not None
    recognizer, calibration, report = fit_with_reviews(
        embedded, labels, targets, rejected, reviewed, counts, cohort, fit_all
    )
    for label, lines in calibration.lines.items():
        log.debug("Lines for %s: sure %.3f, unknown %.3f", label, lines["sure"], lines["unknown"])
    sure = [lines["sure"] for lines in calibration.lines.values()]
    unknown = [lines["unknown"] for lines in calibration.lines.values()]
    log.info(
        "Lines for %d athletes: sure %.3f to %.3f, unknown %.3f to %.3f",
        len(labels), min(sure), max(sure), min(unknown), max(unknown),
    )  # fmt: skip
    (log.warning if calibration.too_few_impostors else log.info)(calibration.message)
    for pair in calibration.look_alikes:
        log.warning(
            "%s is hard to tell from %s: %d of %s's photos reach the score %s would be named "
            "at, so %s's sure line was raised above them.",
            pair["athlete"], pair["like"], pair["photos"], pair["like"], pair["athlete"],
            pair["athlete"],
        )  # fmt: skip
    for what, figures in report.describe():
        log.log(logging.DEBUG if what in counts else logging.INFO, "%s: %s", what, figures)
    metrics = {}
    folds = feasible_folds(embedded, cv_folds)
    if folds > 1:
        log.info("Cross-validating (%d folds) ...", folds)
        photographed = sorted({item.photo.label for item in embedded})
        metrics = cross_validate_embeddings(
            embedded,
            photographed,
            folds=folds,
            repeats=1,
            seed=seed,
            targets=targets,
            cohort=cohort,
        )
        log.info("Cross-validated accuracy: %.1f%%", 100 * metrics["accuracy_mean"])
    elif cv_folds > 1:
        log.warning("Not cross-validated: some athlete has too few photos with a face.")
    created = datetime.now(UTC)
    version = version or artifact.new_version(created)
    model_dir = out_dir / version
    model_dir.mkdir(parents=True)
    artifact.save_recognizer(model_dir, recognizer)
    if metrics:
        save_confusion_plot(metrics["confusion_matrix"], model_dir / artifact.CONFUSION_PLOT)
    if report.det.drawable:
        save_det_plot(
            report.det,
            model_dir / artifact.HELD_OUT_DET_PLOT,
            impostors="held-out faces of other people",
            athletes="held-out faces of athletes",
        )
    artifact.Manifest(
        version=version,
        labels=labels,
        display_names={
            label: (display_names or {}).get(label) or display_name(label) for label in labels
        },
        detector=detector,
        lines=calibration.lines,
        calibration=calibration.to_dict(),
        input_size=INPUT_SIZE,
        created_at=created,
        seed=seed,
        training_counts=counts,
        reviewed_counts={label: faces[label] - counts[label] for label in labels},
        left_out=left_out,
        skipped=skipped,
        athlete_not_largest_face=not_largest,
        scoring=artifact.scoring_of(recognizer),
        metrics={**metrics, "held_out": report.to_dict()},
        network=network,
    ).write(model_dir)
    log.info("Saved model %s to %s", version, model_dir)
    return model_dir


def fit_with_reviews(
    embedded: list[PhotoEmbeddings],
    labels: list[str],
    targets: Targets,
    rejected: Mapping[str, np.ndarray] | None,
    reviewed: Sequence[ReviewedFace],
    training_photos: Mapping[str, int],
    cohort: np.ndarray | None = None,
    fit_all: Collection[str] = (),
) -> tuple[Recognizer, Calibration, HeldOutReport]:
    """Fit on the training photos and the reviewed faces of the fit part; measure the result
    on the held-out part, which never reaches `fit` (``ml.reviewed.split``, `fit_all`)."""
    fitting, held_out = split(reviewed, fit_all)
    recognizer, calibration = fit(
        embedded,
        labels,
        targets,
        rejected,
        positives(fitting, labels),
        strangers(fitting, labels),
        cohort,
    )
    impostors = {label: int(each["impostors"]) for label, each in calibration.per_athlete.items()}
    return (
        recognizer,
        calibration,
        measure(recognizer, fitting, held_out, training_photos, impostors),
    )


def faces_per_athlete(
    embedded: list[PhotoEmbeddings], reviewed: Sequence[ReviewedFace], athletes: Collection[str]
) -> tuple[dict[str, int], set[str]]:
    """Each athlete's faces that a fit takes: their photos with a face and their reviewed
    faces of the fitted part, for the athletes with photos and those of `athletes` reviewed
    faces name; and the athletes with fewer than MIN_FACES photos, whose reviewed faces are
    all fitted (``ml.reviewed.split``'s `fit_all`)."""
    photos = Counter(item.photo.label for item in embedded if item.athlete is not None)
    named = {face.answer for face in reviewed} & set(athletes)
    labels = sorted({item.photo.label for item in embedded} | named)
    few = {label for label in labels if photos[label] < MIN_FACES}
    fitted = Counter(face.answer for face in split(reviewed, few)[0])
    return {label: photos[label] + fitted[label] for label in labels}, few


def feasible_folds(embedded: list[PhotoEmbeddings], wanted: int) -> int:
    """The most folds, up to `wanted`, that leave every athlete two photos with a face in each
    fold's training part (calibration needs two); 0 when even two folds cannot. An athlete
    enrolled from a few photos still trains, just without a cross-validated score. Never
    more folds than the largest athlete has photos: stratified folds cannot be made then."""
    photos = Counter(item.photo.label for item in embedded)
    usable = Counter(item.photo.label for item in embedded if not item.skipped)
    for folds in range(min(wanted, max(photos.values(), default=0)), 1, -1):
        if all(usable[label] - math.ceil(n / folds) >= 2 for label, n in photos.items()):
            return folds
    return 0
