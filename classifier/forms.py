"""The history filters, shared by the history page and ``GET /api/predictions/``."""

from django import forms
from django.db.models import QuerySet

from classifier.models import Athlete, Prediction


class HistoryFilterForm(forms.Form):
    label = forms.ChoiceField(required=False, label="Answer")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Prediction.Status.choices]
    )
    reviewed = forms.ChoiceField(
        required=False,
        choices=[("", "Reviewed or not"), ("true", "Reviewed"), ("false", "Not reviewed")],
    )
    q = forms.CharField(required=False, max_length=200, label="File name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", "Any answer"), *Athlete.objects.label_names().items()]

    def filter(self, predictions: QuerySet) -> QuerySet:
        """Apply the valid filters; call after ``is_valid()``."""
        data = self.cleaned_data
        if data.get("label"):
            predictions = predictions.filter(label=data["label"])
        if data.get("status"):
            predictions = predictions.filter(status=data["status"])
        if data.get("reviewed"):
            predictions = predictions.filter(review__isnull=data["reviewed"] == "false")
        if data.get("q"):
            predictions = predictions.filter(original_name__icontains=data["q"])
        return predictions
