"""Create athletes from a ``<label>/<photos>`` folder or a model's manifest."""

from classifier.models import Athlete
from ml.dataset import display_name


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
