"""The photo pages: upload, a photo's result, the history and its export, retry and delete.

Every page works without JavaScript; static/js/app.js only adds the drop zone's live status and
refreshes a pending result page.
"""

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from classifier.desk.prediction_tags import download_name
from classifier.filters import PredictionFilter
from classifier.models import Athlete, Event, ModelVersion, Prediction
from classifier.pages import history_files
from classifier.uploads import UploadsRefused, check_uploads, store_uploads, visitor_id
from classifier.web.pagination import KeysFirstPaginator
from classifier.web.throttling import UploadRefused, address_key, admit_photos

HISTORY_PAGE_SIZE = 24
RECENT_ON_HOME = 6


def visible_predictions(request: HttpRequest) -> QuerySet[Prediction]:
    """The predictions this visitor may list, with what the cards show."""
    visitor = visitor_id(request)
    return (
        Prediction.objects.visible_to(request.user, visitor)
        .select_related("model_version")
        .with_faces()
    )


def with_actions(request: HttpRequest, predictions) -> list[Prediction]:
    """The predictions, each marked with what this visitor may do on its card."""
    visitor = visitor_id(request)
    rows = list(predictions)
    for prediction in rows:
        prediction.may_delete = prediction.may_be_deleted_by(request.user, visitor)
        prediction.may_retry = prediction.may_be_retried_by(request.user, visitor)
    return rows


def render_home(request: HttpRequest, status: int = 200) -> HttpResponse:
    active = ModelVersion.objects.active()
    context = {
        "recent": with_actions(request, visible_predictions(request)[:RECENT_ON_HOME]),
        "names": Athlete.objects.label_names(),
        # What the page's script names new uploads with: the active model's athletes only,
        # not everyone enrolled.
        "known_names": Athlete.objects.known_to(active).label_names(),
        "active_model": active,
        "max_upload": settings.ATHLETES_MAX_UPLOAD_BYTES,
        "events": Event.objects.taking_uploads_from(request.user),
    }
    return render(request, "classifier/home.html", context, status=status)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render_home(request)


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """Accept one or several photos from the plain HTML form."""
    files = request.FILES.getlist("image")
    if not files:
        messages.error(request, "Choose a photo to upload.")
        return render_home(request, status=400)
    try:
        admit_photos(request, len(files))
    except UploadRefused as refused:
        messages.error(request, str(refused.detail))
        response = render_home(request, status=refused.status_code)
        response["Retry-After"] = str(refused.wait)
        return response

    chosen = request.POST.get("event", "")
    event = Event.objects.filter(pk=chosen).first() if chosen.isdigit() else None
    if chosen and event is None:
        messages.error(request, "That event does not exist any more; choose another.")
        return render_home(request, status=400)
    if event is not None and (why := event.why_no_uploads_from(request.user)):
        messages.error(request, why)
        return render_home(request, status=403)

    try:
        checked = check_uploads(files, event, keep_location=bool(request.POST.get("keep_location")))
    except UploadsRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
        return render_home(request, status=400)
    accepted = store_uploads(
        checked,
        uploader=request.user,
        visitor=visitor_id(request, create=True),
        source=address_key(request),
        event=event,
    )
    for prediction in accepted:
        if prediction.reused:
            messages.info(
                request, f"{prediction.original_name}: same photo as before, result reused."
            )
    if len(accepted) == 1:
        return redirect("detail", pk=accepted[0].pk)
    messages.success(request, f"{len(accepted)} photos accepted.")
    return redirect("history")


@require_safe
def detail(request: HttpRequest, pk) -> HttpResponse:
    prediction = get_object_or_404(
        Prediction.objects.select_related("model_version").with_faces(), pk=pk
    )
    with_actions(request, [prediction])
    context = {
        "prediction": prediction,
        # Its link opens the page; what reaches it through its faces' numbers (making a face
        # an example) is only for those who may list it.
        "listed": visible_predictions(request).filter(pk=prediction.pk).exists(),
        "names": Athlete.objects.label_names(),
        "athletes": Athlete.objects.values_list("label", "display_name"),
        "download_name": download_name(prediction),
    }
    return render(request, "classifier/detail.html", context)


def not_allowed(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "classifier/error.html", {"title": "Not allowed", "message": message}, status=403
    )


@require_POST
def retry(request: HttpRequest, pk) -> HttpResponse:
    """Queue a failed photo again (its uploader, or staff who may change predictions)."""
    prediction = get_object_or_404(Prediction, pk=pk)
    if not prediction.may_be_retried_by(request.user, visitor_id(request)):
        return not_allowed(request, "Only whoever uploaded this photo can retry it.")
    if prediction.retry():
        messages.success(request, f"{prediction.original_name} is queued again.")
    else:
        messages.error(request, f"{prediction.original_name} has not failed: nothing to retry.")
    return redirect("detail", pk=pk)


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk) -> HttpResponse:
    """Ask to confirm (GET), then delete the prediction and its files (POST)."""
    prediction = get_object_or_404(Prediction, pk=pk)
    if not prediction.may_be_deleted_by(request.user, visitor_id(request)):
        return not_allowed(request, "Only whoever uploaded this photo can delete it.")
    if prediction.why_not_deletable:
        messages.error(request, prediction.why_not_deletable)
        return redirect("detail", pk=pk)
    if request.method == "GET":
        return render(request, "classifier/delete.html", {"prediction": prediction})
    prediction.delete()
    messages.success(request, f"{prediction.original_name} was deleted, with its photos.")
    return redirect("history")


def filtered_history(request: HttpRequest) -> PredictionFilter:
    """The visitor's predictions with the history's filters and sort (invalid ones are shown as
    errors and ignored)."""
    return PredictionFilter(request.GET, queryset=visible_predictions(request), request=request)


@require_safe
def history(request: HttpRequest) -> HttpResponse:
    filters = filtered_history(request)
    page = KeysFirstPaginator(filters.qs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_actions(request, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    event = filters.form.cleaned_data.get("event") if filters.form.is_valid() else None
    context = {
        "form": filters.form,
        "page": page,
        "query": query.urlencode(),
        "kept": [(key, value) for key, values in query.lists() for value in values],
        "compact": request.GET.get("view") == "compact",
        "names": Athlete.objects.label_names(),
        "event": event,
    }
    return render(request, "classifier/history.html", context)


@require_safe
def history_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered history, every page of it, as CSV (one row per face) or JSON."""
    predictions = filtered_history(request).qs
    if fmt == "csv":
        body, content_type = history_files.as_csv(predictions), "text/csv; charset=utf-8"
    else:
        body, content_type = history_files.as_json(predictions, request), "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="athletes-history.{fmt}"'
    return response
