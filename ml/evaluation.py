"""Repeated stratified k-fold cross-validation of our recognizer, and what it measures.

Training uses it for the manifest's metrics, so it imports nothing of the demo CNN."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import RepeatedStratifiedKFold

from ml.calibration import DEFAULT_TARGETS, Targets, fit
from ml.features import PhotoEmbeddings
from ml.recognizer import Recognizer
from ml.results import NO_FACE, UNKNOWN

NEEDS_REVIEW = "needs_review"


def fold_splits(truth: list[str], folds: int, repeats: int, seed: int):
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    return splitter.split(np.zeros(len(truth)), truth)


def cross_validate_embeddings(
    embedded: list[PhotoEmbeddings],
    labels: list[str],
    folds: int,
    repeats: int,
    seed: int,
    targets: Targets = DEFAULT_TARGETS,
    cohort: np.ndarray | None = None,
) -> dict[str, Any]:
    """Train and calibrate on each fold's photos (with `cohort`), name the held-out ones.

    A held-out photo is right when its label is its athlete, named surely; `needs_review`,
    `unknown`, `no_face` or another athlete are errors. `flagged_right` counts the photos
    flagged for review with their athlete as a candidate; `identification_accuracy` the
    photos whose best-scored face's closest athlete is right.
    """
    truth = [item.photo.label for item in embedded]
    predicted: list[list[str]] = []
    identified: list[bool] = []
    flagged_right = 0
    for train, test in fold_splits(truth, folds, repeats, seed):
        recognizer, _ = fit([embedded[i] for i in train], labels, targets, cohort=cohort)
        outcomes = [photo_outcome(recognizer, embedded[i]) for i in test]
        predicted.append([outcome.answer for outcome in outcomes])
        for i, outcome in zip(test, outcomes, strict=True):
            identified.append(outcome.closest == truth[i])
            flagged_right += truth[i] in outcome.flagged
    report = summarize(truth, list(fold_splits(truth, folds, repeats, seed)), predicted, labels)
    return {
        **report,
        "identification_accuracy": float(np.mean(identified)),
        "flagged_right": flagged_right,
    }


@dataclass(frozen=True)
class PhotoOutcome:
    """A held-out photo's answer (its best sure face's athlete, else `needs_review`,
    `unknown` or `no_face`), the closest athlete of its best-scored face, and the candidates
    of its faces flagged for review when it was not named."""

    answer: str
    closest: str
    flagged: tuple[str, ...] = ()


def photo_outcome(recognizer: Recognizer, item: PhotoEmbeddings) -> PhotoOutcome:
    if item.athlete is None:
        return PhotoOutcome(NO_FACE, NO_FACE)
    namings = recognizer.name(item.faces[:, 0])
    best = max(namings, key=lambda naming: naming.score)
    sure = [naming for naming in namings if naming.label != UNKNOWN]
    if sure:
        return PhotoOutcome(max(sure, key=lambda naming: naming.score).label, best.candidate)
    flagged = tuple(naming.candidate for naming in namings if naming.needs_review)
    return PhotoOutcome(NEEDS_REVIEW if flagged else UNKNOWN, best.candidate, flagged)


def summarize(
    truth: list[str], splits: list, predicted: list[list[str]], labels: list[str]
) -> dict[str, Any]:
    """Accuracy per fold, and precision, recall and confusion pooled over all folds."""
    actual = [truth[i] for _, test in splits for i in test]
    guessed = [label for fold in predicted for label in fold]
    accuracies = [
        float(np.mean([truth[i] == guess for i, guess in zip(test, fold, strict=True)]))
        for (_, test), fold in zip(splits, predicted, strict=True)
    ]
    precision, recall, _, _ = precision_recall_fscore_support(
        actual, guessed, labels=labels, zero_division=0
    )
    columns = labels + [NEEDS_REVIEW, UNKNOWN, NO_FACE]
    counts = confusion_matrix(actual, guessed, labels=columns)[: len(labels)].tolist()
    return {
        "accuracy_mean": float(np.mean(accuracies)),
        "accuracy_std": float(np.std(accuracies)),
        "fold_accuracies": accuracies,
        "per_label": {
            label: {"precision": float(p), "recall": float(r)}
            for label, p, r in zip(labels, precision, recall, strict=True)
        },
        "confusion_matrix": {"rows": labels, "columns": columns, "counts": counts},
    }


def misses(confusion: dict[str, Any]) -> dict[str, int]:
    """Held-out photos not named surely and correctly, by what they got instead: a flag
    for review, `unknown` (below the unknown line), no face, or another athlete's name."""
    rows, columns, counts = confusion["rows"], confusion["columns"], confusion["counts"]
    wrong = sum(
        count
        for i, row in enumerate(counts)
        for j, count in enumerate(row)
        if columns[j] in rows and j != i
    )
    return {
        "flagged": sum(row[columns.index(NEEDS_REVIEW)] for row in counts),
        "unknown": sum(row[columns.index(UNKNOWN)] for row in counts),
        "no_face": sum(row[columns.index(NO_FACE)] for row in counts),
        "named_wrongly": wrong,
    }


def save_confusion_plot(confusion: dict[str, Any], path: Path) -> None:
    """Draw the confusion matrix as a PNG: true athletes down, predicted labels across."""
    rows, columns, counts = confusion["rows"], confusion["columns"], confusion["counts"]
    font = ImageFont.load_default(size=14)
    cell, left, top = 120, 150, 60
    image = Image.new(
        "RGB", (left + cell * len(columns) + 10, top + cell * len(rows) + 30), "white"
    )
    draw = ImageDraw.Draw(image)
    draw.text((left, 8), "predicted", fill="black", font=font)
    draw.text((8, top - 22), "true", fill="black", font=font)
    for j, column in enumerate(columns):
        draw.text((left + j * cell + 4, top - 22), column[:14], fill="black", font=font)
    for i, row in enumerate(rows):
        total = max(sum(counts[i]), 1)
        draw.text((8, top + i * cell + cell // 2 - 8), row[:18], fill="black", font=font)
        for j, count in enumerate(counts[i]):
            shade = int(255 - 200 * count / total)
            box = (left + j * cell, top + i * cell, left + (j + 1) * cell, top + (i + 1) * cell)
            draw.rectangle(box, fill=(shade, shade, 255), outline="gray")
            ink = "white" if shade < 140 else "black"
            draw.text(
                (box[0] + cell // 2 - 8, box[1] + cell // 2 - 8), str(count), fill=ink, font=font
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
