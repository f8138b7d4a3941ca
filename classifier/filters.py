"""The history filters, declared once: the history page's form, the API's query parameters and
their OpenAPI description all come from ``PredictionFilter``."""

import django_filters
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema_field

from classifier.models import Athlete, Prediction, PredictionQuerySet, Review


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
        )
    )
    q = django_filters.CharFilter(
        field_name="original_name",
        lookup_expr="icontains",
        max_length=200,
        label="File name",
        help_text="Part of the original file name.",
    )

    class Meta:
        model = Prediction
        fields = ["label", "status", "reviewed", "q"]

    def filter_reviewed(
        self, predictions: PredictionQuerySet, name: str, value: str
    ) -> PredictionQuerySet:
        # EXISTS, not a LEFT JOIN: PostgreSQL then estimates an anti-join rightly and reads
        # the newest rows by index instead of sorting the whole table.
        reviewed = Exists(Review.objects.filter(prediction=OuterRef("pk")))
        return predictions.filter(reviewed if value == "true" else ~reviewed)
