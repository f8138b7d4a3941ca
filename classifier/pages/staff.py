"""The reviewers' pages: the review queue, face by face, and the people seen but not known.

static/js/review.js reviews the queue face by face without page loads; every page works without
JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from classifier import people
from classifier.api.serializers import NamePersonSerializer
from classifier.models import Athlete, Face, FaceReview, ReviewError
from classifier.pages.crops import REVIEW_CROP_PX, face_geometry
from classifier.web.access import staff_page

# Faces the review page hands the browser at once; it loads the page again for more.
REVIEW_BATCH = 100
PERSON_CROP_PX = 96
# Groups on the people page at once, the biggest first; naming them brings the next ones.
PEOPLE_SHOWN = 30

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
@review_page
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
@review_page
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
