"""Small display helpers for the templates."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from classifier.web.queue_health import queue_health
from ml.results import percent as as_percent

register = template.Library()


@register.filter
def label_name(label: str, names: dict[str, str]) -> str:
    """The display name for a label, from the ``names`` mapping the view provides."""
    return names.get(label, label)


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else as_percent(value)


@register.filter
def step_name(key: str) -> str:
    """``model_load_ms`` -> ``model load``: timing keys as words."""
    return key.removesuffix("_ms").replace("_", " ")


@register.simple_tag
def face_area(face, prediction) -> str:
    """A face's box as CSS percentages of the photo, so it stays on the face at any size."""
    width, height = prediction.width or 1, prediction.height or 1
    return (
        f"left: {face.x / width:.4%}; top: {face.y / height:.4%}; "
        f"width: {face.width / width:.4%}; height: {face.height / height:.4%};"
    )


@register.filter
def face_kind(face) -> str:
    """``named``, ``review`` (awaiting a reviewer) or ``unknown``: how the face is drawn."""
    if face.awaits_review:
        return "review"
    return "unknown" if face.answer == "unknown" else "named"


@register.inclusion_tag("classifier/_queue_banner.html")
def queue_banner() -> dict:
    """The warning every page shows while no worker is alive or photos wait too long."""
    return {"health": queue_health()}


@register.filter
def waited(since: datetime) -> str:
    """How long ago ``since`` was, in seconds under a minute (``timesince`` says "0 minutes")."""
    seconds = int((timezone.now() - since).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    return timesince(since, now=timezone.now())
