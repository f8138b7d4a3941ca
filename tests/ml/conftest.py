"""Fixtures for the ML core's tests: the real models loaded once per module, and photos.

Nothing here is mocked: the detector is BlazeFace, the embedder is the verified FaceNet file
and the predictor serves the model trained on the 60 sample photos.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

NADAL = "rafael_nadal"
LEBRON = "lebron_james"

# Single-face photos for the small training and evaluation folders.
SMALL_DATASET = {
    LEBRON: [
        "james(5).jpg",
        "james(6).jpg",
        "james(10).jpg",
        "james(11).jpg",
        "james(12).jpg",
        "james(13).jpg",
    ],
    NADAL: [
        "nadal(2).jpg",
        "nadal(3).jpg",
        "nadal(4).jpg",
        "nadal(6).jpg",
        "nadal(9).jpg",
        "nadal(10).jpg",
    ],
}
BLANK_NAME = "blank page (1).png"
# Someone who is none of the athletes (tests/data/README.md says whose photo it is).
STRANGER = Path(__file__).parents[1] / "data" / "astronaut.jpg"


@pytest.fixture(scope="session")
def photo_path(sample_data: Path) -> Callable[[str], Path]:
    """`photo_path("nadal(3).jpg")` → that sample photo, found in its athlete's folder."""

    def find(name: str) -> Path:
        label = LEBRON if name.startswith("james") else NADAL
        return sample_data / label / name

    return find


@pytest.fixture(scope="session")
def photo(photo_path) -> Callable[[str], Image.Image]:
    """`photo("nadal(3).jpg")` → that sample photo decoded the way the product decodes it."""
    from ml.imaging import load_image

    return lambda name: load_image(photo_path(name)).image


@pytest.fixture(scope="session")
def stranger() -> Image.Image:
    """A real photo of one face that is none of the athletes'."""
    from ml.imaging import load_image

    return load_image(STRANGER).image


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory, photo_path) -> Path:
    """Six photos per athlete, renamed with spaces and parentheses, plus one blank image
    per athlete that has no face in it."""
    root = tmp_path_factory.mktemp("small dataset")
    for label, names in SMALL_DATASET.items():
        folder = root / label
        folder.mkdir()
        for number, name in enumerate(names, start=1):
            shutil.copy(photo_path(name), folder / f"photo ({number}) of {label}.jpg")
        Image.new("RGB", (320, 240), (235, 235, 235)).save(folder / BLANK_NAME)
    return root


@pytest.fixture(scope="module")
def detector():
    from ml.faces import FaceDetector

    return FaceDetector()


@pytest.fixture(scope="session")
def backbone() -> ModuleType:
    """The converter, imported by the tests that use it: it imports TensorFlow, 5 s that every
    test process would pay while collecting if a test module imported it."""
    from ml import backbone

    return backbone


@pytest.fixture(scope="module")
def embedder(facenet_weights: Path):
    from ml.embedder import Embedder

    return Embedder(facenet_weights)


@pytest.fixture(scope="module")
def predictor(trained_model_dir: Path, facenet_weights: Path):
    from ml.predictor import Predictor

    return Predictor.load(trained_model_dir, facenet_weights)
