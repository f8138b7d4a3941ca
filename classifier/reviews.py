"""Staff reviews: confirm what the model said, or correct it to an athlete or ``unknown``."""

from django.utils import timezone

from classifier.models import Athlete, Prediction, Review
from ml.results import UNKNOWN


class ReviewError(ValueError):
    """The review cannot be recorded; the message says why."""


def correction_labels() -> list[str]:
    return [*Athlete.objects.values_list("label", flat=True), UNKNOWN]


def checked_label(prediction: Prediction, verdict: str, label: str = "") -> str:
    """The label the review will record; raise ReviewError if the review is not allowed."""
    if prediction.status != Prediction.Status.DONE:
        raise ReviewError("Only finished predictions can be reviewed.")
    if verdict == Review.Verdict.CONFIRM:
        return prediction.label
    if verdict != Review.Verdict.CORRECT:
        raise ReviewError(f'The verdict must be "confirm" or "correct", not "{verdict}".')
    if label not in correction_labels():
        raise ReviewError(f'"{label}" is not an athlete\'s label or "{UNKNOWN}".')
    return label


def record_review(prediction: Prediction, reviewer, verdict: str, label: str = "") -> Review:
    """Create or replace the prediction's review, recording who, when, the verdict and label."""
    review, _ = Review.objects.update_or_create(
        prediction=prediction,
        defaults={
            "reviewer": reviewer,
            "reviewed_at": timezone.now(),
            "verdict": verdict,
            "label": checked_label(prediction, verdict, label),
        },
    )
    return review
