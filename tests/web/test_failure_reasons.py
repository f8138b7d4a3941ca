"""A failed prediction says why in words the uploader can read, and never shows a server path."""

from classifier.models import Prediction
from classifier.tasks import run_prediction


def test_a_photo_missing_from_storage_fails_without_showing_where_it_was(
    make_prediction, media_photo, media_root, fake_predictor, settings
):
    prediction = make_prediction(status="queued", image=media_photo, annotated="")
    (media_root / media_photo).unlink()

    run_prediction.apply(args=[str(prediction.pk)], task_id="task-1")

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.attempts == settings.ATHLETES_MAX_ATTEMPTS
    reason = "Failed after 3 attempts: the stored photo could not be read or written."
    assert prediction.error == reason
    assert fake_predictor.calls == 0
