"""The browser pages: upload, a prediction's result, history, the review queue, people seen
but not known; plus media files and a health check.

Every page works without JavaScript; static/js/app.js only adds the drop zone's live status and
refreshes a pending result page, and static/js/review.js reviews the queue face by face
without page loads.
"""

import posixpath
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousFileOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from classifier import export, people
from classifier.api.serializers import NamePersonSerializer
from classifier.filters import PredictionFilter
from classifier.models import (
    Athlete,
    Event,
    ExampleFace,
    Face,
    FaceReview,
    ModelVersion,
    Prediction,
    ReviewError,
)
from classifier.pagination import KeysFirstPaginator
from classifier.staff import staff_page
from classifier.throttling import UploadRefused, admit_photos
from classifier.uploads import MEDIA_TYPES, UploadsRefused, check_uploads, store_uploads, visitor_id

HISTORY_PAGE_SIZE = 24
# Faces the review page hands the browser at once; it loads the page again for more.
REVIEW_BATCH = 100
REVIEW_CROP_PX = 224
PERSON_CROP_PX = 96
# Groups on the people page at once, the biggest first; naming them brings the next ones.
PEOPLE_SHOWN = 30
RECENT_ON_HOME = 6
# Where ModelVersion.confusion_matrix is stored (its upload_to): served to staff only.
MODEL_PLOTS_FOLDER = "models"


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
    context = {
        "recent": with_actions(request, visible_predictions(request)[:RECENT_ON_HOME]),
        "names": Athlete.objects.label_names(),
        "active_model": ModelVersion.objects.active(),
        "max_upload": settings.ATHLETES_MAX_UPLOAD_BYTES,
        "events": Event.objects.all(),
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

    try:
        checked = check_uploads(files, event)
    except UploadsRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
        return render_home(request, status=400)
    accepted = store_uploads(
        checked, uploader=request.user, visitor=visitor_id(request, create=True), event=event
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
        "names": Athlete.objects.label_names(),
        "athletes": Athlete.objects.values_list("label", "display_name"),
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
    return PredictionFilter(request.GET, queryset=visible_predictions(request))


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
def athlete(request: HttpRequest, label: str) -> HttpResponse:
    """Every photo you may list where this athlete was named, filterable by event."""
    athlete = get_object_or_404(Athlete, label=label)
    query = request.GET.copy()
    query.pop("page", None)
    data = {"event": request.GET.get("event", ""), "athlete": label}
    filters = PredictionFilter(data, queryset=visible_predictions(request))
    page = KeysFirstPaginator(filters.qs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "athlete": athlete,
        "event_field": filters.form["event"],
        "page": page,
        "query": query.urlencode(),
        "names": Athlete.objects.label_names(),
    }
    return render(request, "classifier/athlete.html", context)


@require_safe
def history_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered history, every page of it, as CSV (one row per face) or JSON."""
    predictions = filtered_history(request).qs
    if fmt == "csv":
        body, content_type = export.as_csv(predictions), "text/csv; charset=utf-8"
    else:
        body, content_type = export.as_json(predictions, request), "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="athletes-history.{fmt}"'
    return response


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Serve a stored image with a fixed, safe content type (names are unguessable UUIDs).

    Model plots (``models/``) describe the training photos: only users who may view model
    versions get them; anyone else gets the same 404 as for a missing file.
    """
    content_type = MEDIA_TYPES.get(Path(path).suffix.lower())
    folder = posixpath.normpath(path).split("/")[0]
    staff_only = folder == MODEL_PLOTS_FOLDER
    try:
        if content_type is None or not default_storage.exists(path):
            raise Http404("No such file.")
        if staff_only and not request.user.has_perm("classifier.view_modelversion"):
            raise Http404("No such file.")
        response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    except SuspiciousFileOperation as exc:
        raise Http404("No such file.") from exc
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For container health checks: the process answers and the database is reachable."""
    connection.ensure_connection()
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400, for a request refused before any view saw it, saying why in words."""
    if isinstance(exception, TooManyFilesSent):
        message = f"Send at most {settings.ATHLETES_MAX_FILES_PER_UPLOAD} photos at a time."
    elif isinstance(exception, TooManyFieldsSent | RequestDataTooBig):
        message = "The request has too many form fields or too much form data."
    else:
        message = "The request could not be understood."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "classifier/error.html", {"message": message}, status=400)


def queue_entry(face: Face) -> dict:
    """What the review page needs to show one face: the photo, the box, the model's answer."""
    prediction = face.prediction
    return {
        "id": face.pk,
        "photo": prediction.image.url,
        "photo_id": str(prediction.pk),
        "photo_name": prediction.original_name,
        "photo_url": reverse("detail", args=[prediction.pk]),
        "width": prediction.width,
        "height": prediction.height,
        "box": face.box,
        **face_geometry(face, prediction.width, prediction.height),
        "label": face.label,
        "candidate": face.candidate,
        "score": face.score,
        "needs_review": face.needs_review,
        "shown_answer": face.shown_answer,
        "answer": face.answer,
    }


def face_geometry(
    face: Face | ExampleFace, width: int, height: int, size: int = REVIEW_CROP_PX
) -> dict:
    """CSS numbers to show a face: ``crop``, a square around it as a background of ``size``
    px (background size and offset, px), and ``highlight``, its box over the whole photo
    (left, top, width, height, % of the photo)."""
    side = max(face.width, face.height) * 1.4 or 1
    scale = size / side
    centre_x, centre_y = face.x + face.width / 2, face.y + face.height / 2
    return {
        "crop": [
            round(width * scale),
            round(height * scale),
            round(size / 2 - centre_x * scale),
            round(size / 2 - centre_y * scale),
        ],
        "highlight": [
            round(100 * face.x / width, 2),
            round(100 * face.y / height, 2),
            round(100 * face.width / width, 2),
            round(100 * face.height / height, 2),
        ],
    }


def faces_to_review(request: HttpRequest) -> list[Face]:
    """The queue (``Face.objects.review_queue``), or one photo's faces (``?photo=``), or the
    queue from one face on (``?face=``): those two include faces already reviewed, to
    decide again. Raise Http404 for an id that names nothing."""
    faces = Face.objects.with_review().select_related("prediction")
    queue = Face.objects.review_queue()
    try:
        if photo := request.GET.get("photo"):
            return list(faces.filter(prediction_id=photo).order_by("position")[:REVIEW_BATCH])
        if face := request.GET.get("face"):
            first = get_object_or_404(faces, pk=face)
            return [first, *queue.exclude(pk=first.pk)[: REVIEW_BATCH - 1]]
    except (ValueError, DjangoValidationError):
        raise Http404("No such photo or face.") from None
    return list(queue[:REVIEW_BATCH])


@require_http_methods(["GET", "POST"])
@staff_page(
    "classifier.review_prediction",
    "Reviewing needs the permission to confirm or correct predictions.",
)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Staff review faces one by one. A POST records one decision (the page's plain forms);
    static/js/review.js sends them to the API instead and never reloads."""
    if request.method == "POST":
        # "confirm", or the label the face is corrected to ("unknown": not an athlete).
        choice = request.POST.get("choice", "")
        try:
            face = get_object_or_404(Face, pk=int(request.POST.get("face", "")))
        except ValueError:
            raise Http404("No such face.") from None
        try:
            if choice == FaceReview.Verdict.CONFIRM:
                face.record_review(request.user, FaceReview.Verdict.CONFIRM)
            else:
                face.record_review(request.user, FaceReview.Verdict.CORRECT, choice)
        except ReviewError as exc:
            messages.error(request, str(exc))
        return redirect(request.get_full_path())
    faces = faces_to_review(request)
    names = Athlete.objects.label_names()
    context = {
        "faces": [queue_entry(face) for face in faces],
        "first": faces[0] if faces else None,
        "waiting": Face.objects.review_queue().count(),
        "athletes": list(Athlete.objects.values_list("label", "display_name")),
        "names": names,
        "crop_px": REVIEW_CROP_PX,
        "batch": REVIEW_BATCH,
        "may_enrol": request.user.has_perm("classifier.add_athlete"),
    }
    return render(request, "classifier/review.html", context)


def person_entry(person: people.Person, posted: dict) -> dict:
    """What the people page shows of one group: its faces as crops with a checkbox each, the
    photos they come from, and what staff had typed if this group's form came back refused."""
    faces = person.faces
    this_form = bool(posted["faces"] & {face.pk for face in faces})
    photos = {face.prediction_id: face.prediction.original_name for face in faces}
    return {
        "count": len(faces),
        "faces": [
            {
                "id": face.pk,
                "photo": face.prediction.image.url,
                "photo_name": face.prediction.original_name,
                "crop": face_geometry(
                    face, face.prediction.width, face.prediction.height, PERSON_CROP_PX
                )["crop"],
                "checked": face.pk in posted["faces"] if this_form else True,
            }
            for face in faces
        ],
        "photos": [(reverse("detail", args=[pk]), name) for pk, name in photos.items()],
        "label": posted["label"] if this_form else "",
        "name": posted["name"] if this_form else "",
    }


@require_http_methods(["GET", "POST"])
@staff_page(
    "classifier.review_prediction",
    "Reviewing needs the permission to confirm or correct predictions.",
)
def people_page(request: HttpRequest) -> HttpResponse:
    """Staff name groups of unknown faces that look like one person (POST: one group's form,
    through the API's NamePersonSerializer, so the page and the API decide alike)."""
    posted: dict = {"faces": set(), "label": "", "name": ""}
    status = 200
    if request.method == "POST":
        data = {
            "faces": request.POST.getlist("faces"),
            "label": request.POST.get("label", ""),
            "name": request.POST.get("name", ""),
        }
        naming = NamePersonSerializer(data=data, context={"request": request})
        if naming.is_valid():
            athlete = naming.save()
            count = len(naming.validated_data["faces"])
            faces = "1 face is" if count == 1 else f"{count} faces are"
            messages.success(request, f"{faces} now {athlete.display_name}.")
            return redirect("people")
        for reason in error_sentences(naming.errors):
            messages.error(request, reason)
        posted = {
            "faces": {int(pk) for pk in data["faces"] if pk.isdigit()},
            "label": data["label"],
            "name": data["name"],
        }
        status = 400
    groups = people.people_seen()
    context = {
        "people": [person_entry(person, posted) for person in groups[:PEOPLE_SHOWN]],
        "more": max(len(groups) - PEOPLE_SHOWN, 0),
        "athletes": list(Athlete.objects.values_list("label", "display_name")),
        "crop_px": PERSON_CROP_PX,
        "may_add": request.user.has_perm("classifier.add_athlete"),
    }
    return render(request, "classifier/people.html", context, status=status)


def error_sentences(errors) -> list[str]:
    """A serializer's errors as sentences for the page, whatever field they are on."""
    if isinstance(errors, dict):
        return [sentence for value in errors.values() for sentence in error_sentences(value)]
    if isinstance(errors, list):
        return [sentence for value in errors for sentence in error_sentences(value)]
    return [str(errors)]
