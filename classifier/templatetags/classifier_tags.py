"""Small display helpers for the templates."""

from django import template

register = template.Library()


@register.filter
def label_name(label: str, names: dict[str, str]) -> str:
    """The display name for a label, from the ``names`` mapping the view provides."""
    return names.get(label, label)


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


@register.filter
def step_name(key: str) -> str:
    """``model_load_ms`` -> ``model load``: timing keys as words."""
    return key.removesuffix("_ms").replace("_", " ")
