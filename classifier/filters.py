"""The history filters, declared once: the history page's form, the API's query parameters and
their OpenAPI description all come from ``PredictionFilter``."""

from datetime import date, timedelta

import django_filters
from django.db.models import Exists, F, OuterRef
from django.forms import DateInput
from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field

from classifier.models import (
    Athlete,
    Event,
    EventQuerySet,
    Face,
    ModelVersion,
    Prediction,
    PredictionQuerySet,
)

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


# How many days back each choice of "uploaded" starts: today, yesterday alone, the last 7 days.
UPLOADED_DAYS = {"today": (0, 0), "yesterday": (1, 1), "week": (6, 0)}


def athlete_choices() -> list[tuple[str, str]]:
    """The athletes anyone's history may filter by (``AthleteQuerySet.shown_to_anyone``);
    read per request, as athletes are trained and named."""
    shown = Athlete.objects.shown_to_anyone(ModelVersion.objects.active())
    return list(shown.display_names().items())


def answer_choices() -> list[tuple[str, str]]:
    """Those athletes, ``unknown`` and ``no_face``."""
    return list(
        Athlete.objects.shown_to_anyone(ModelVersion.objects.active()).answer_names().items()
    )


def events_for(request: HttpRequest | None) -> EventQuerySet:
    """The events the caller may list (``EventQuerySet.visible_to``); every one for code that
    filters with no caller (a re-run in the worker)."""
    return Event.objects.all() if request is None else Event.objects.visible_to(request.user)


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
        label="Athlete",
        method="filter_athlete",
        help_text="An athlete's label: the photos where a reviewer or the model (when sure) "
        "named them on a face.",
    )
    event = django_filters.ModelChoiceFilter(
        queryset=events_for, empty_label="Any event", help_text="An event's id."
    )
    q = django_filters.CharFilter(
        method="search",
        max_length=200,
        label="Search",
        help_text="Part of the original file name or of the name of an athlete named on it.",
    )
    uploaded = django_filters.ChoiceFilter(
        choices=[("today", "Today"), ("yesterday", "Yesterday"), ("week", "Last 7 days")],
        empty_label="Any day",
        method="filter_uploaded",
        label="Uploaded",
        help_text='"today", "yesterday" or "week" (the last 7 days, today included), in the '
        "site's time zone.",
    )
    since = django_filters.DateFilter(
        method="filter_since",
        label="From",
        widget=DateInput(attrs={"type": "date"}),
        help_text="A date (YYYY-MM-DD): photos uploaded that day or later.",
    )
    until = django_filters.DateFilter(
        method="filter_until",
        label="To",
        widget=DateInput(attrs={"type": "date"}),
        help_text="A date (YYYY-MM-DD): photos uploaded that day or earlier.",
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
        fields = [
            "label", "athlete", "status", "reviewed", "needs_review", "event", "q", "uploaded",
            "since", "until", "sort",
        ]  # fmt: skip

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

    def search(self, predictions: PredictionQuerySet, name: str, value: str) -> PredictionQuerySet:
        return predictions.search(value)

    def filter_uploaded(
        self, predictions: PredictionQuerySet, name: str, value: str
    ) -> PredictionQuerySet:
        first, last = UPLOADED_DAYS[value]
        today = timezone.localdate()
        return predictions.uploaded_between(
            today - timedelta(days=first), today - timedelta(days=last)
        )

    def filter_since(
        self, predictions: PredictionQuerySet, name: str, value: date
    ) -> PredictionQuerySet:
        return predictions.uploaded_between(value, None)

    def filter_until(
        self, predictions: PredictionQuerySet, name: str, value: date
    ) -> PredictionQuerySet:
        return predictions.uploaded_between(None, value)
