"""The worker loads the FaceNet weights that the ATHLETES_FACENET_WEIGHTS setting names.

Not marked db_engine: what it checks does not depend on the database, and it needs the
session's trained model, which the PostgreSQL pass would otherwise train again.
"""

from classifier.models import ModelVersion, Prediction
from classifier.tasks import NOT_READY_REASON, run_prediction
from classifier.worker import inference


def test_it_loads_the_weights_the_settings_name(
    make_prediction, media_photo, settings, tmp_path, trained_model_dir, caplog, monkeypatch
):
    # A predictor of the same version that an earlier test loaded in this process, with the
    # weights in their usual place, must not answer instead.
    monkeypatch.setattr(inference, "_loaded", {})
    ModelVersion.objects.register(trained_model_dir).activate()
    settings.ATHLETES_FACENET_WEIGHTS = tmp_path / "elsewhere" / "facenet_keras.h5"
    prediction = make_prediction(
        status="queued", label="", confidence=None, annotated="", image=media_photo
    )

    run_prediction.apply(args=[str(prediction.pk)], task_id="task-1")

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error == NOT_READY_REASON
    assert f"FaceNet weights not found at {settings.ATHLETES_FACENET_WEIGHTS}." in caplog.text
    assert prediction.attempts == 1
