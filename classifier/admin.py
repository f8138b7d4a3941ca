"""Admin: review predictions in bulk, manage athletes, inspect and activate model versions."""

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from classifier.models import (
    Athlete,
    CannotServe,
    Event,
    Face,
    FaceReview,
    ModelVersion,
    Prediction,
    ReviewError,
    Team,
)


def image_tag(file, width: int, alt: str):
    """An image with its text alternative: the changelist's thumbnail is the row's link, which
    needs an accessible name."""
    if not file:
        return "–"
    return format_html('<img src="{}" width="{}" alt="{}" loading="lazy">', file.url, width, alt)


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


class ReviewedFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("true", "Reviewed"), ("false", "Not reviewed")]

    def queryset(self, request, queryset):
        if self.value() == "true":
            return queryset.reviewed()
        if self.value() == "false":
            return queryset.reviewed(False)
        return queryset


class AnswerFilter(admin.SimpleListFilter):
    """The answers by name; a photo with no answer yet (queued, failed) has no empty link."""

    title = "answer"
    parameter_name = "label"

    def lookups(self, request, model_admin):
        return list(Athlete.objects.answer_names().items())

    def queryset(self, request, queryset):
        return queryset.filter(label=self.value()) if self.value() else queryset


def correct_action(label: str, name: str):
    """An admin action that corrects the selected predictions to ``label``."""

    def action(modeladmin, request, queryset):
        modeladmin.review_selected(request, queryset, FaceReview.Verdict.CORRECT, label)

    return action, f"correct_to_{label}", f"Correct to {name}"


class FaceInline(admin.TabularInline):
    """Each face: the model's answer, read-only, and the current review with a link to the
    review queue, where faces are reviewed."""

    model = Face
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "position", "box", "label", "candidate", "score", "needs_review", "detection_confidence",
        "current_review", "queue_link",
    )  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).with_review()

    @admin.display(description="Review")
    def current_review(self, face: Face) -> str:
        review = face.review
        if review is None:
            return "–"
        when = f"{review.reviewed_at:%Y-%m-%d %H:%M}"
        return f"{review.verdict}: {review.label} ({review.reviewer}, {when})"

    @admin.display(description="Queue")
    def queue_link(self, face: Face):
        return format_html('<a href="{}?face={}">Review</a>', reverse("review_queue"), face.pk)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = [
        "thumb", "original_name", "label", "confidence_pct", "status", "review_state", "created_at",
    ]  # fmt: skip
    list_filter = ["status", AnswerFilter, ReviewedFilter, "model_version"]
    search_fields = ["original_name", "sha256"]
    date_hierarchy = "created_at"
    inlines = [FaceInline]
    actions = ["confirm"]
    fields = readonly_fields = (
        "annotated_photo", "original_name", "status", "label", "confidence", "error",
        "timings", "model_version", "reused_from", "attempts",
        "sha256", "size", "width", "height", "uploader", "created_at", "started_at", "finished_at",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False  # predictions come from uploads

    @admin.display(description="Photo")
    def thumb(self, prediction: Prediction):
        return image_tag(prediction.thumbnail, 80, prediction.original_name)

    @admin.display(description="Annotated photo")
    def annotated_photo(self, prediction: Prediction):
        return image_tag(
            prediction.annotated or prediction.image, 640, f"{prediction.original_name}, annotated"
        )

    @admin.display(description="Confidence", ordering="confidence")
    def confidence_pct(self, prediction: Prediction) -> str:
        return "–" if prediction.confidence is None else f"{prediction.confidence:.0%}"

    def get_queryset(self, request):
        return super().get_queryset(request).with_faces()

    @admin.display(description="Review")
    def review_state(self, prediction: Prediction) -> str:
        review = prediction.latest_review
        return "–" if review is None else f"{review.verdict}: {review.label}"

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("classifier.review_prediction")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_review_permission(request):
            return actions
        names = Athlete.objects.label_names()
        for label in Athlete.objects.correction_labels():
            action = correct_action(label, names.get(label, label))
            actions[action[1]] = action
        return actions

    @admin.action(description="Confirm every face", permissions=["review"])
    def confirm(self, request, queryset: QuerySet) -> None:
        self.review_selected(request, queryset, FaceReview.Verdict.CONFIRM)

    def review_selected(self, request, queryset: QuerySet, verdict: str, label: str = "") -> None:
        reviewed, refused = 0, []
        for prediction in queryset:
            try:
                prediction.review_all_faces(request.user, verdict, label)
                reviewed += 1
            except ReviewError as exc:
                refused.append(f"{prediction.original_name}: {exc}")
        if reviewed:
            self.message_user(request, f"Reviewed {reviewed} prediction(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not reviewed: " + "; ".join(refused), messages.WARNING)


class NamedDisplayNameForm(forms.ModelForm):
    """The changelist's editable name, labelled for screen readers by its athlete's label."""

    class Meta:
        model = Athlete
        fields = ["display_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = f"Display name of {self.instance.label}"
        self.fields["display_name"].widget.attrs["aria-label"] = name


@admin.register(Athlete)
class AthleteAdmin(admin.ModelAdmin):
    list_display = ["label", "display_name"]
    list_editable = ["display_name"]
    search_fields = ["label", "display_name"]

    def get_changelist_form(self, request, **kwargs):
        return NamedDisplayNameForm


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["athletes"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "open"]
    list_filter = ["open"]
    search_fields = ["name"]
    date_hierarchy = "date"
    filter_horizontal = ["teams", "athletes"]


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "is_active", "accuracy", "labels_list", "created_at"]
    list_filter = ["is_active"]
    actions = ["activate"]
    fields = readonly_fields = (
        "version", "is_active", "path", "created_at", "held_out_table", "held_out_plot",
        "dev_figures", "det_curve", "confusion_plot", "metrics_table",
        "manifest_json",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False  # versions come from `manage.py train_model`

    def has_delete_permission(self, request, obj=None) -> bool:
        return not (obj and obj.is_active) and super().has_delete_permission(request, obj)

    @admin.display(description="Athletes")
    def labels_list(self, model_version: ModelVersion) -> str:
        return ", ".join(model_version.labels)

    @admin.display(description="Cross-validated accuracy")
    def accuracy(self, model_version: ModelVersion) -> str:
        accuracy = model_version.metrics.get("accuracy_mean")
        return "–" if accuracy is None else f"{accuracy:.1%}"

    @admin.display(description="Metrics")
    def metrics_table(self, model_version: ModelVersion):
        """The single-number metrics; the confusion matrix is the plot above."""
        rows = [
            (name, value)
            for name, value in sorted(model_version.metrics.items())
            if isinstance(value, int | float | str)
        ]
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    @admin.display(description="Manifest")
    def manifest_json(self, model_version: ModelVersion):
        return pretty_json(model_version.manifest)

    @admin.display(description="On held-out reviewed faces")
    def held_out_table(self, model_version: ModelVersion):
        """What training measured on reviewed faces it did not fit on, and what each athlete
        was trained from."""
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", model_version.held_out_figures),
        )

    @admin.display(description="DET curve on held-out reviewed faces")
    def held_out_plot(self, model_version: ModelVersion):
        return image_tag(
            model_version.held_out_det_curve,
            480,
            f"DET curve of {model_version.version} on held-out reviewed faces",
        )

    @admin.display(description="On the dev set")
    def dev_figures(self, model_version: ModelVersion):
        """What `python -m ml evaluate --dev` measured on photos the model never saw."""
        report = model_version.dev_evaluation
        if report is None:
            return f"Not evaluated: run manage.py evaluate_model {model_version.version} --dev DIR."
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", report.describe()),
        )

    @admin.display(description="DET curve")
    def det_curve(self, model_version: ModelVersion):
        return image_tag(
            model_version.dev_det_curve, 480, f"DET curve of {model_version.version} on the dev set"
        )

    @admin.display(description="Confusion matrix")
    def confusion_plot(self, model_version: ModelVersion):
        return image_tag(
            model_version.confusion_matrix, 480, f"Confusion matrix of {model_version.version}"
        )

    def has_activate_permission(self, request) -> bool:
        return request.user.has_perm("classifier.activate_modelversion")

    @admin.action(
        description="Activate (workers use it from their next task)", permissions=["activate"]
    )
    def activate(self, request, queryset: QuerySet) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        model_version = queryset.get()
        try:
            model_version.activate()
        except CannotServe as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Version {model_version} is now active.", messages.SUCCESS)
