"""The annotated photo: every face boxed and named as it stands. Drawn by the worker from the
model's first answer, and again after each review, by the same function."""

import io
import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from PIL import Image

from ml.annotate import annotate
from ml.errors import ImageRejected
from ml.imaging import load_image
from ml.results import ImageResult

if TYPE_CHECKING:
    from classifier.models.predictions import Prediction

logger = logging.getLogger(__name__)

JPEG_QUALITY = 90


def store_drawing(
    prediction: "Prediction",
    image: Image.Image,
    result: ImageResult,
    names: dict[str, str],
    reviewed: Collection[int] = (),
) -> str:
    """Draw ``result`` on ``image`` and store it as the prediction's annotated file, named after
    its id (the row itself is not saved); return the file's storage name."""
    drawn = io.BytesIO()
    annotate(image, result, names, reviewed).save(drawn, "JPEG", quality=JPEG_QUALITY)
    prediction.annotated.save(f"{prediction.pk}.jpg", ContentFile(drawn.getvalue()), save=False)
    return str(prediction.annotated.name)


def redraw_annotated(prediction: "Prediction") -> None:
    """Draw the faces' current answers on the photo again, reviewers' answers marked and
    false detections left out, so the annotated photo agrees with the review. Called once the
    review is committed: a photo that cannot be read keeps its drawing (logged), and the review
    stands."""
    faces = [face for face in prediction.faces.with_review() if not face.discarded]
    result = ImageResult.from_faces([face.as_result() for face in faces], len(faces), {})
    reviewed = {position for position, face in enumerate(faces) if face.review_id}
    names = prediction.model_version.display_names if prediction.model_version else {}
    try:
        with prediction.image.open("rb") as stored:
            image = load_image(stored.read()).image
    except (OSError, ImageRejected) as exc:
        logger.warning("Cannot redraw the faces of %s: %s", prediction.pk, exc)
        return
    earlier = prediction.annotated.name
    drawn = store_drawing(prediction, image, result, names, reviewed)
    predictions = type(prediction).objects
    predictions.filter(pk=prediction.pk).update(annotated=drawn)
    if earlier:
        predictions.delete_unused_files(prediction.annotated.storage, [earlier])
