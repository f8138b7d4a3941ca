"""How a face's embedding is stored: little-endian float32 bytes in a binary column."""

from collections.abc import Sequence

import numpy as np


def embedding_bytes(embedding: Sequence[float] | np.ndarray) -> bytes:
    """An embedding as little-endian float32: 512 bytes for FaceNet's 128 numbers."""
    return np.asarray(embedding, dtype="<f4").tobytes()


def embedding_vector(stored: bytes | memoryview | None) -> np.ndarray | None:
    """A stored embedding as a float32 array, or None for a face stored without one."""
    if stored is None:
        return None
    return np.frombuffer(bytes(stored), dtype="<f4")
