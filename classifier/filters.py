"""The history filters, declared once: the history page's form, the API's query parameters and
their OpenAPI description all come from ``PredictionFilter``."""

import django_filters
from django.db.models import Exists, F, OuterRef
from drf_spectacular.utils import extend_schema_field

from classifier.models import Athlete, Event, Face, Prediction, PredictionQuerySet

AWAITING_REVIEW = Exists(
    Face.objects.filter(prediction=OuterRef("pk"), needs_review=True, review__isnull=True)
)

# How the list may be sorted; newest first (the model's ordering) when no sort is given.
# "Needs review" puts first what a reviewer should look at: photos with a face awaiting a
# decision, then the least confident first (no answer at all comes last).
SORTS = {
    "newest": [F("created_at").desc()],
    "confidence": [F("confidence").desc(nulls_last=True), F("created_at").desc()],
    "review": [
        AWAITING_REVIEW.desc(),
        F("confidence").asc(nulls_last=True),
        F("created_at").desc(),
    ],
}


def athlete_choices() -> list[tuple[str, str]]:
    return list(Athlete.objects.display_names().items())


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
    needs_review = extend_schema_field(
        {"type": "boolean", "description": "A face awaits a reviewer's decision, or not."}
    )(
        django_filters.ChoiceFilter(
            choices=[("true", "Needs review"), ("false", "Nothing to review")],
            empty_label="Needs review or not",
            method="filter_needs_review",
            label="Needs review",
        )
    )
    athlete = django_filters.ChoiceFilter(
        choices=athlete_choices,
        empty_label="Any athlete",
        method="filter_athlete",
        help_text="An athlete's label: the photos where a reviewer or the model (when sure) "
        "named them on a face.",
    )
    event = django_filters.ModelChoiceFilter(
        queryset=Event.objects.all(), empty_label="Any event", help_text="An event's id."
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
        help_text='"newest" (default), "confidence" or "review" (awaiting review first).',
    )

    class Meta:
        model = Prediction
        fields = ["label", "athlete", "status", "reviewed", "needs_review", "event", "q", "sort"]

    def sort_by(self, predictions: PredictionQuerySet, name: str, value: str) -> PredictionQuerySet:
        return predictions.order_by(*SORTS[value])

    def filter_reviewed(
        self, predictions: PredictionQuerySet, name: str, value: str
    ) -> PredictionQuerySet:
        return predictions.reviewed(value == "true")

    def filter_needs_review(
        self, predictions: PredictionQuerySet, name: str, value: str
    ) -> PredictionQuerySet:
        return predictions.needing_review(value == "true")

    def filter_athlete(
        self, predictions: PredictionQuerySet, name: str, value: str
    ) -> PredictionQuerySet:
        return predictions.showing(value)
