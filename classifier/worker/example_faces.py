"""Find the faces of an enrolled example, in the worker (``classifier.tasks``), with the
networks the worker child already holds for the active model, or its own when none is active."""

from django.conf import settings

from classifier.models import Example, ModelVersion
from classifier.worker import inference
from ml.imaging import load_image

# (detector, embedder) loaded when no model is active, kept for the life of the child.
_own: list = []


def networks() -> tuple:
    """The face detector and FaceNet: the active model's, or this process's own."""
    model_version = ModelVersion.objects.active()
    if model_version is not None:
        predictor = inference.load_predictor(model_version)
        return predictor.detector, predictor.embedder
    if not _own:
        from ml.embedder import Embedder  # loads LiteRT: only in a worker child
        from ml.faces import FaceDetector

        _own.extend([FaceDetector(), Embedder(settings.ATHLETES_FACENET_WEIGHTS)])
    return _own[0], _own[1]


def detect(example: Example) -> None:
    """Store the example's faces and choose the athlete's (``Example.record_faces``)."""
    from ml.features import embed_faces

    with example.image.open("rb") as stored:
        image = load_image(stored.read()).image
    found = embed_faces(image, *networks())
    example.record_faces([face.box for face in found.faces], found.embeddings[:, 0])
