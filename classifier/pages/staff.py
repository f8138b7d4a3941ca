"""The reviewers' page: the review queue, face by face.

static/js/review.js reviews the queue face by face without page loads; every page works without
JavaScript.
"""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from classifier.models import Athlete, Event, Face, FaceReview, Prediction, ReviewError, ReviewScope
from classifier.pages.crops import REVIEW_CROP_PX, face_geometry
from classifier.uploads import visitor_id
from classifier.web.access import staff_page

# Faces the review page hands the browser at once; it loads the page again for more.
REVIEW_BATCH = 100

review_page = staff_page(
    "classifier.review_prediction",
    "Reviewing needs the permission to confirm or correct predictions.",
)


def queue_entry(face: Face) -> dict:
    """What the review page needs to show one face: the photo, the box, the model's answer."""
    prediction = face.prediction
    return {
        "id": face.pk,
        "photo": prediction.image.url,
        "photo_id": str(prediction.pk),
        "photo_name": prediction.original_name,
        "photo_url": reverse("detail", args=[prediction.pk]),
        "event": prediction.event_id,
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


@dataclass
class QueueScope:
    """The part of the queue a reviewer chose (``?scope=``, flagged only by default; an
    event's with ``&event=``; an upload batch's with ``&batch=``, the reviewer's last by
    default)."""

    scope: str
    event: int | None
    batch: uuid.UUID | None

    @classmethod
    def of(cls, request: HttpRequest, events: QuerySet[Event]) -> "QueueScope":
        scope = request.GET.get("scope", "")
        if scope not in ReviewScope.values:
            scope = ReviewScope.FLAGGED
        event = request.GET.get("event", "")
        try:
            batch = uuid.UUID(request.GET["batch"]) if request.GET.get("batch") else None
        except ValueError:
            batch = None
        # Looked up, not only parsed: a number past the database's integers was a 500.
        known = events.filter(pk=int(event)) if event.isdigit() else events.none()
        return cls(
            scope,
            known.values_list("pk", flat=True).first(),
            batch or Prediction.objects.last_batch(request.user),
        )

    def queue(self) -> QuerySet[Face]:
        return Face.objects.review_queue(self.scope, self.event, self.batch)


def faces_to_review(request: HttpRequest, scope: QueueScope) -> list[Face]:
    """The queue in the chosen scope, or one photo's faces (``?photo=``), or the queue from
    one face on (``?face=``): those two include faces already reviewed, to decide again.
    Raise Http404 for an id that names nothing."""
    visible = Face.objects.visible_to(request.user, visitor_id(request))
    faces = visible.with_review().select_related("prediction")
    queue = scope.queue()
    try:
        if photo := request.GET.get("photo"):
            return list(faces.filter(prediction_id=photo).order_by("x", "position")[:REVIEW_BATCH])
        if face := request.GET.get("face"):
            first = get_object_or_404(faces, pk=face)
            return [first, *queue.exclude(pk=first.pk)[: REVIEW_BATCH - 1]]
    except (ValueError, DjangoValidationError):
        raise Http404("No such photo or face.") from None
    return list(queue[:REVIEW_BATCH])


def decision(face: Face, choice: str) -> tuple[str, str]:
    """The verdict and label of a plain form's choice: "confirm", or a label, which confirms
    the model when it is what the model offered ("not an athlete" on an unknown face)."""
    if choice in (FaceReview.Verdict.CONFIRM, face.shown_answer):
        return FaceReview.Verdict.CONFIRM, ""
    return FaceReview.Verdict.CORRECT, choice


@require_http_methods(["GET", "POST"])
@review_page
def review_queue(request: HttpRequest) -> HttpResponse:
    """Staff review faces one by one. A POST records one decision (the page's plain forms);
    static/js/review.js sends them to the API instead and never reloads."""
    if request.method == "POST":
        # "confirm", "athlete" (the one chosen in the list), or the label the face is
        # corrected to ("unknown": not an athlete; "not_a_face": a false detection).
        choice = request.POST.get("choice", "")
        if choice == "athlete":
            choice = request.POST.get("athlete", "")
        try:
            pk = int(request.POST.get("face", ""))
            face = get_object_or_404(
                Face.objects.visible_to(request.user, visitor_id(request)), pk=pk
            )
        except ValueError:
            raise Http404("No such face.") from None
        try:
            face.record_review(request.user, *decision(face, choice))
        except ReviewError as exc:
            messages.error(request, str(exc))
        return redirect(request.get_full_path())
    # A closed event's name and roster are planning data: only for reviewers who may list it.
    events = Event.objects.visible_to(request.user)
    scope = QueueScope.of(request, events)
    faces = faces_to_review(request, scope)
    names = Athlete.objects.label_names()
    context = {
        "faces": [queue_entry(face) for face in faces],
        "first": faces[0] if faces else None,
        "scope": scope,
        "scopes": ReviewScope,
        "counts": Face.objects.review_queue_counts(events, scope.event, scope.batch),
        "waiting": scope.queue().count(),
        "choices": Athlete.objects.review_choices(
            events.filter(pk__in={face.prediction.event_id for face in faces})
        ),
        "names": names,
        "crop_px": REVIEW_CROP_PX,
        "batch": REVIEW_BATCH,
        "may_enrol": request.user.has_perm("classifier.add_athlete"),
    }
    return render(request, "classifier/review.html", context)


def error_sentences(errors) -> list[str]:
    """A serializer's errors as sentences for the page, whatever field they are on."""
    if isinstance(errors, dict):
        return [sentence for value in errors.values() for sentence in error_sentences(value)]
    if isinstance(errors, list):
        return [sentence for value in errors for sentence in error_sentences(value)]
    return [str(errors)]
