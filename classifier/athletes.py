"""Athletes from a ``<label>/<photos>`` folder or a model's manifest, and their display names."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from classifier.models import Athlete
from ml.dataset import display_name
from ml.results import NO_FACE, UNKNOWN


def ensure_athletes(labels: list[str], display_names: dict[str, str] | None = None) -> list[str]:
    """Create the athletes that do not exist yet; return the labels created."""
    display_names = display_names or {}
    created = []
    for label in labels:
        _, was_created = Athlete.objects.get_or_create(
            label=label,
            defaults={"display_name": display_names.get(label) or display_name(label)},
        )
        if was_created:
            created.append(label)
    return created


def labels_in(data_dir: Path) -> list[str]:
    """The athlete labels of a dataset folder: its sub-folders, which must be slugs."""
    labels = sorted(child.name for child in data_dir.iterdir() if child.is_dir())
    for label in labels:
        try:
            validate_slug(label)
        except ValidationError as exc:
            raise ValueError(
                f'"{label}" is not a valid label: use letters, digits, _ or -.'
            ) from exc
    return labels


def label_names() -> dict[str, str]:
    """Every label a prediction can carry, with the name to show for it."""
    return {
        **Athlete.objects.display_names(),
        UNKNOWN: "Unknown person",
        NO_FACE: "No face found",
    }
