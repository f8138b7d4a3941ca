"""Which face of a photo is the athlete's, when the photo may show others beside them."""

import numpy as np


def closest_face(faces: np.ndarray, reference: np.ndarray) -> int:
    """The index of the face (rows of embeddings, largest face first) most like `reference`,
    a sum of the athlete's faces in other photos; the largest when there is only one face or
    nothing to compare with."""
    if len(faces) < 2 or not np.any(reference):
        return 0
    return int(np.argmax(faces @ reference))


# Cosine at or above which two faces are one picture of one face (a copy resized or
# re-encoded), not two photos of the same person: measured in docs/benchmarks.md.
SAME_FACE_COSINE = 0.95


def is_same_face(face: np.ndarray, others: list[np.ndarray]) -> bool:
    """Whether ``face`` (a unit embedding) is one of ``others`` again, as a copy would be."""
    return bool(others) and float(np.max(np.stack(others) @ face)) >= SAME_FACE_COSINE
