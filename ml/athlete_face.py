"""Which face of a photo is the athlete's, when the photo may show others beside them."""

import numpy as np


def closest_face(faces: np.ndarray, reference: np.ndarray) -> int:
    """The index of the face (rows of embeddings, largest face first) most like `reference`,
    a sum of the athlete's faces in other photos; the largest when there is only one face or
    nothing to compare with."""
    if len(faces) < 2 or not np.any(reference):
        return 0
    return int(np.argmax(faces @ reference))
