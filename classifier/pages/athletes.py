"""The athletes' pages: an athlete's photos, and for staff the pages that teach the site an
athlete's face (the athletes, an athlete's example photos and the faces found in them, and
making a face from the history an example)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from classifier.filters import PredictionFilter
from classifier.models import Athlete, Example, ExampleFace, Face, ModelVersion
from classifier.models.readiness import faces_to_train
from classifier.pages.crops import face_geometry
from classifier.pages.photos import HISTORY_PAGE_SIZE, visible_predictions
from classifier.uploads import UploadsRefused, check_examples, store_examples, visitor_id
from classifier.web.access import staff_page
from classifier.web.pagination import KeysFirstPaginator
from classifier.web.throttling import UploadRefused, admit_photos
from ml.dataset import MIN_FACES

EXAMPLE_CROP_PX = 96
HEADSHOT_PX = 160

enrol_page = staff_page(
    "classifier.add_athlete",
    "Adding athletes and their photos needs the permission to add athletes.",
)


class NewAthleteForm(forms.ModelForm):
    """A name, an optional team and sport; the label is made from the name."""

    class Meta:
        model = Athlete
        fields = ["display_name", "team", "sport", "number"]
        labels = {"display_name": "Name"}

    def clean(self) -> dict:
        data = super().clean() or {}
        if name := data.get("display_name"):
            try:
                self.instance.label = Athlete.objects.new_label(name)
            except ValidationError as exc:
                for errors in exc.message_dict.values():
                    self.add_error("display_name", errors)
        return data


@require_http_methods(["GET", "POST"])
@enrol_page
def athletes(request: HttpRequest) -> HttpResponse:
    """Every athlete with their example count, the faces the next training would learn them
    from, and whether the active model knows them; a form adds one and leads to their
    photos."""
    form = NewAthleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        athlete = form.save()
        messages.success(request, f"{athlete.display_name} was added: now add photos of them.")
        return redirect("enrol", label=athlete.label)
    active = ModelVersion.objects.active()
    faces = faces_to_train()
    context = {
        "form": form,
        "athletes": [
            (athlete, faces[athlete.label])
            for athlete in Athlete.objects.annotate(example_count=Count("examples"))
        ],
        "known": set(active.labels) if active else set(),
        "needed": MIN_FACES,
    }
    return render(request, "classifier/athletes.html", context, status=400 if form.errors else 200)


def example_view(example: Example) -> dict:
    """What the page shows of one example: its faces, each with a crop and its box over the
    photo, the chosen one marked."""
    faces = [
        {
            "id": face.pk,
            "number": face.position + 1,
            "chosen": face.pk == example.chosen_id,
            **face_geometry(face, example.width or 1, example.height or 1, EXAMPLE_CROP_PX),
        }
        for face in example.faces.all()
    ]
    return {"example": example, "faces": faces}


@require_http_methods(["GET", "POST"])
@enrol_page
def enrol(request: HttpRequest, label: str) -> HttpResponse:
    """An athlete's examples (GET), or add photos of them (POST, several at once)."""
    athlete = get_object_or_404(Athlete, label=label)
    if request.method == "POST":
        add_examples(request, athlete)
        return redirect("enrol", label=label)
    examples = athlete.examples.prefetch_related("faces")
    context = {
        "athlete": athlete,
        "examples": [example_view(example) for example in examples],
        "pending": any(example.status == Example.Status.PENDING for example in examples),
        "crop_px": EXAMPLE_CROP_PX,
    }
    return render(request, "classifier/enrol.html", context)


def add_examples(request: HttpRequest, athlete: Athlete) -> None:
    """Store the uploaded photos as examples, all or none, saying what happened."""
    files = request.FILES.getlist("images")
    if not files:
        messages.error(request, f"Choose photos of {athlete.display_name} to add.")
        return
    try:
        admit_photos(request, len(files))
        added = store_examples(athlete, check_examples(files))
    except UploadRefused as refused:
        messages.error(request, str(refused.detail))
    except UploadsRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
    else:
        messages.success(
            request, f"{len(added)} photos added; the worker is finding the faces in them."
        )


@require_POST
@enrol_page
def choose_face(request: HttpRequest, pk: int) -> HttpResponse:
    """Make another face of an example the athlete's."""
    example = get_object_or_404(Example.objects.select_related("athlete"), pk=pk)
    try:
        face = ExampleFace.objects.get(pk=int(request.POST.get("face", "")), example=example)
    except (ValueError, ExampleFace.DoesNotExist):
        raise Http404("No such face in this photo.") from None
    example.choose(face)
    messages.success(request, f"Face {face.position + 1} of {example.original_name} is chosen.")
    return redirect(f"{reverse('enrol', args=[example.athlete.label])}#example-{example.pk}")


@require_POST
@enrol_page
def remove_example(request: HttpRequest, pk: int) -> HttpResponse:
    example = get_object_or_404(Example.objects.select_related("athlete"), pk=pk)
    example.delete()
    messages.success(request, f"{example.original_name} was removed.")
    return redirect("enrol", label=example.athlete.label)


@require_POST
@enrol_page
def face_to_example(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a face of a photo the enroller may list an example of the athlete chosen."""
    visible = Face.objects.visible_to(request.user, visitor_id(request))
    face = get_object_or_404(visible.select_related("prediction"), pk=pk)
    athlete = Athlete.objects.filter(label=request.POST.get("athlete", "")).first()
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("detail", args=[face.prediction_id])
    if athlete is None:
        messages.error(request, "Choose the athlete this face is an example of.")
        return redirect(back)
    Example.objects.from_face(face, athlete)
    messages.success(
        request,
        f"Face {face.position + 1} of {face.prediction.original_name} is now an "
        f"example of {athlete.display_name}.",
    )
    return redirect(back)


def headshot(athlete: Athlete) -> dict | None:
    """The athlete's face as chosen in their first usable example, to show as a headshot."""
    example = athlete.examples.filter(chosen__isnull=False).select_related("chosen").first()
    if example is None or example.chosen is None:
        return None
    crop = face_geometry(example.chosen, example.width or 1, example.height or 1, HEADSHOT_PX)
    return {"example": example, "crop": crop["crop"], "size": HEADSHOT_PX}


@require_safe
def athlete(request: HttpRequest, label: str) -> HttpResponse:
    """Every photo you may list where this athlete was named, filterable by event; for staff
    who may see enrolment, the desk's card: headshot, team, sport, number, example photos."""
    athlete = get_object_or_404(Athlete, label=label)
    query = request.GET.copy()
    query.pop("page", None)
    data = {"event": request.GET.get("event", ""), "athlete": label}
    filters = PredictionFilter(data, queryset=visible_predictions(request), request=request)
    page = KeysFirstPaginator(filters.qs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "athlete": athlete,
        "event_field": filters.form["event"],
        "page": page,
        "query": query.urlencode(),
        "names": Athlete.objects.label_names(),
    }
    if request.user.has_perm("classifier.view_example"):
        examples = list(athlete.examples.all())
        context |= {
            "headshot": headshot(athlete),
            "examples": examples,
            "usable": sum(1 for example in examples if example.chosen_id),
            "teams": athlete.teams.all(),
        }
    return render(request, "classifier/athlete.html", context)
