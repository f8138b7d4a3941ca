"""The history filters, declared once: the history page's form, the API's query parameters and
their OpenAPI description all come from ``PredictionFilter``."""

import django_filters
from django.db.models import F
from drf_spectacular.utils import extend_schema_field

from classifier.models import Athlete, Prediction, PredictionQuerySet

# How the list may be sorted; newest first (the model's ordering) when no sort is given.
# "Needs review" puts first what a reviewer should look at: photos not reviewed yet, the least
# confident first (no answer at all comes last).
SORTS = {
    "newest": [F("created_at").desc()],
    "confidence": [F("confidence").desc(nulls_last=True), F("created_at").desc()],
    "review": [
        F("review").asc(nulls_first=True),
        F("confidence").asc(nulls_last=True),
        F("created_at").desc(),
    ],
}


def answer_choices() -> list[tuple[str, str]]:
    """Every athlete, ``unknown`` and ``no_face``; read per request, as athletes are added."""
    return list(Athlete.objects.label_names().items())


class PredictionFilter(django_filters.FilterSet):
    label = django_filters.ChoiceFilter(
        choices=answer_choices,
        empty_label="Any answer",
        label="Answer",
        help_text='An athlete\'s label, "unknown" or "no_face".',
    )
    status = django_filters.ChoiceFilter(
        choices=Prediction.Status.choices, empty_label="Any status"
    )
    # "true" or "false", documented as the boolean it is.
    reviewed = extend_schema_field({"type": "boolean", "description": "Reviewed by staff or not."})(
        django_filters.ChoiceFilter(
            choices=[("true", "Reviewed"), ("false", "Not reviewed")],
            empty_label="Reviewed or not",
            method="filter_reviewed",
            label="Reviewed",
        )
    )
    q = django_filters.CharFilter(
        field_name="original_name",
        lookup_expr="icontains",
        max_length=200,
        label="File name",
        help_text="Part of the original file name.",
    )

    sort = django_filters.ChoiceFilter(
        choices=[
            ("newest", "Newest"),
            ("confidence", "Most confident"),
            ("review", "Needs review"),
        ],
        empty_label=None,
        method="sort_by",
        label="Sort",
        help_text='"newest" (default), "confidence" or "review" (not reviewed, least sure first).',
    )

    class Meta:
        model = Prediction
        fields = ["label", "status", "reviewed", "q", "sort"]

    def sort_by(self, predictions: PredictionQuerySet, name: str, value: str) -> PredictionQuerySet:
        return predictions.order_by(*SORTS[value])

    def filter_reviewed(
        self, predictions: PredictionQuerySet, name: str, value: str
    ) -> PredictionQuerySet:
        return predictions.filter(review__isnull=value == "false")
