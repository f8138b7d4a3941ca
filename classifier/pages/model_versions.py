"""The staff page of model versions: train a new one and follow its progress, see its figures,
its held-out report and quality charts, and how it compares with the active one, activate it
or roll back, one click each."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from classifier.models import Busy, CannotServe, ModelVersion
from classifier.models.readiness import short_of_faces
from classifier.version_comparison import compare
from classifier.web.access import staff_page
from ml.dataset import MIN_FACES

# Reviewed faces the page compares a version with the active one on (the API's default).
COMPARED_FACES = 200

view_page = staff_page("classifier.view_modelversion", "Model versions are for staff only.")
train_action = staff_page(
    "classifier.add_modelversion", "Training a model needs the permission to add model versions."
)
activate_action = staff_page(
    "classifier.activate_modelversion",
    "Activating a model needs the permission to choose the version the workers serve.",
)


def version_view(model_version: ModelVersion, active: ModelVersion | None) -> dict:
    """One version's row: its figures, and beside a ready one that is not active, how its
    answers on the last reviewed faces differ from the active version's."""
    if model_version.why_not_serving:
        return {"version": model_version}
    report = model_version.dev_evaluation
    comparison = None
    if active is not None and not model_version.is_active:
        comparison = compare(model_version, active, COMPARED_FACES)
    names, manifest = model_version.display_names, model_version.artifact_manifest
    photos, reviewed = manifest.training_counts, manifest.reviewed_counts
    return {
        "version": model_version,
        "athletes": [
            (names[label], photos.get(label, 0), reviewed.get(label, 0))
            for label in model_version.labels
        ],
        "left_out": [
            (names.get(label, label), faces) for label, faces in manifest.left_out.items()
        ],
        "accuracy": model_version.metrics.get("accuracy_mean"),
        "dev": report.describe() if report else [],
        "held_out": model_version.held_out_figures,
        "charts": model_version.charts,
        "comparison": comparison,
    }


@require_safe
@view_page
def model_versions(request: HttpRequest) -> HttpResponse:
    return render_page(request)


def render_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    active = ModelVersion.objects.active()
    versions = list(ModelVersion.objects.select_related("started_by"))
    context = {
        "versions": [version_view(each, active) for each in versions],
        "active": active,
        "rollback": ModelVersion.objects.rollback_target(),
        "training": any(each.status == ModelVersion.Status.TRAINING for each in versions),
        "short": short_of_faces(),
        "needed": MIN_FACES,
    }
    return render(request, "classifier/models.html", context, status=status)


@require_POST
@train_action
def train(request: HttpRequest) -> HttpResponse:
    try:
        model_version = ModelVersion.objects.start_training(request.user)
    except Busy as exc:  # the page again, saying why, as 409 Conflict
        messages.error(request, str(exc))
        return render_page(request, status=409)
    messages.success(request, f"Training {model_version.version}: this page shows its progress.")
    return redirect("model_versions")


@require_POST
@activate_action
def activate(request: HttpRequest, version: str) -> HttpResponse:
    model_version = get_object_or_404(ModelVersion, version=version)
    try:
        model_version.activate()
    except CannotServe as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Version {version} is active: new photos are named with it.")
    return redirect("model_versions")


@require_POST
@activate_action
def rollback(request: HttpRequest) -> HttpResponse:
    model_version = ModelVersion.objects.rollback_target()
    if model_version is None:
        messages.error(request, "No earlier version was ever active: nothing to go back to.")
    else:
        model_version.activate()
        messages.success(request, f"Rolled back: version {model_version.version} is active again.")
    return redirect("model_versions")
