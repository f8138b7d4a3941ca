"""People seen but not known (/people/): the groups of unknown faces, which staff name, merge,
split or hide, and "more photos of this person" from any face (/faces/<id>/more-photos/).

Each group is one form; its buttons say what to do with it, and naming goes through the API's
NamePersonSerializer, merging and splitting through its input serializers, so the page and the
API decide alike. Every page works without JavaScript.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.exceptions import ValidationError

from classifier import people
from classifier.api.serializers import (
    MergeInputSerializer,
    NamePersonSerializer,
    SplitInputSerializer,
)
from classifier.models import Athlete, Face, Person
from classifier.models.readiness import short_of_faces
from classifier.pages.crops import face_geometry
from classifier.pages.staff import error_sentences
from classifier.uploads import visitor_id
from classifier.web.access import staff_page
from classifier.web.pagination import KeysFirstPaginator

PERSON_CROP_PX = 96
# Groups on one page of People, the biggest first: as many as on a page of its API. Each face
# shown loads its whole photo (a crop is its background), and 30 groups were up to 720 photos
# and a p95 of 141-228 ms at 200,000 faces (docs/benchmarks.md).
PEOPLE_SHOWN = 20

people_page_guard = staff_page(people.PERMISSIONS, people.WHY_NOT)


def face_entry(face: Face, checked: bool = True) -> dict:
    """A face as People shows it: a crop of its photo, and the photo's page."""
    prediction = face.prediction
    return {
        "id": face.pk,
        "photo": prediction.image.url,
        "photo_name": prediction.original_name,
        "photo_url": reverse("detail", args=[prediction.pk]),
        "crop": face_geometry(face, prediction.width, prediction.height, PERSON_CROP_PX)["crop"],
        "checked": checked,
    }


def person_entry(person: Person, posted: dict) -> dict:
    """What the page shows of one group: its first faces with a checkbox each, and what staff
    had typed if this group's form came back refused."""
    this_form = posted["person"] == person.pk
    faces = person.shown_faces  # type: ignore[attr-defined]  # people.people_shown's prefetch
    return {
        "id": person.pk,
        "count": person.size,
        "hidden": person.hidden,
        "faces": [
            face_entry(face, face.pk in posted["faces"] if this_form else True) for face in faces
        ],
        "more": person.size - len(faces),
        "more_photos_url": reverse("more_photos", args=[faces[0].pk]) if faces else "",
        "label": posted["label"] if this_form else "",
        "name": posted["name"] if this_form else "",
    }


def act(request: HttpRequest, person: Person) -> str:
    """Do what the group's form asked; return what to tell staff, or raise ValidationError."""
    action = request.POST.get("action", "name")
    ticked = request.POST.getlist("faces")
    if action in ("hide", "show"):
        person.hidden = action == "hide"
        person.save(update_fields=["hidden"])
        return f"Person {person.pk} is {'hidden' if person.hidden else 'shown again'}."
    if action == "merge":
        merging = MergeInputSerializer(data={"person": request.POST.get("into", "")})
        merging.is_valid(raise_exception=True)
        merging.merge(person)
        return f"Merged into person {person.pk}."
    if action == "split":
        shown = {pk for pk in request.POST.getlist("shown") if pk.isdigit()}
        splitting = SplitInputSerializer(data={"faces": sorted(shown - set(ticked))})
        splitting.is_valid(raise_exception=True)
        new = splitting.split(person)
        return f"The unticked faces are now person {new.pk}."
    naming = NamePersonSerializer(
        data={"faces": ticked, "label": request.POST.get("label", ""),
              "name": request.POST.get("name", "")},
        context={"request": request},
    )  # fmt: skip
    naming.is_valid(raise_exception=True)
    athlete = naming.save()
    count = len(naming.validated_data["faces"])
    named = f"{'1 face is' if count == 1 else f'{count} faces are'} now {athlete.display_name}"
    if short := short_of_faces(Athlete.objects.filter(pk=athlete.pk)):
        return f"{named}. {short[0].sentence}"
    return f"{named}: the next model trained learns them."


@require_http_methods(["GET", "POST"])
@people_page_guard
def people_page(request: HttpRequest) -> HttpResponse:
    """Staff name, merge, split or hide groups of unknown faces (POST: one group's form)."""
    posted: dict = {"person": None, "faces": set(), "label": "", "name": ""}
    status = 200
    if request.method == "POST":
        try:
            person = get_object_or_404(Person, pk=int(request.POST.get("person", "")))
        except ValueError:
            raise Http404("No such group.") from None
        try:
            messages.success(request, act(request, person))
            return redirect(request.get_full_path())
        except ValidationError as refused:
            for reason in error_sentences(refused.detail):
                messages.error(request, reason)
        posted = {
            "person": person.pk,
            "faces": {int(pk) for pk in request.POST.getlist("faces") if pk.isdigit()},
            "label": request.POST.get("label", ""),
            "name": request.POST.get("name", ""),
        }
        status = 400
    hidden = request.GET.get("hidden") == "1"
    groups = KeysFirstPaginator(people.people_shown(hidden), PEOPLE_SHOWN)
    page = groups.get_page(request.GET.get("page"))
    context = {
        "people": [person_entry(person, posted) for person in page.object_list],
        "page": page,
        "hidden": hidden,
        "athletes": list(Athlete.objects.values_list("label", "display_name")),
        "crop_px": PERSON_CROP_PX,
        "may_add": request.user.has_perm("classifier.add_athlete"),
        "short": short_of_faces(named_only=True),
    }
    return render(request, "classifier/people.html", context, status=status)


@require_GET
@people_page_guard
def more_photos_page(request: HttpRequest, pk: int) -> HttpResponse:
    """More photos of this person: the faces nearest one face across the archive."""
    visible = Face.objects.visible_to(request.user, visitor_id(request))
    face = get_object_or_404(visible.select_related("prediction", "review", "person"), pk=pk)
    found = people.more_photos(face, request.user)
    context = {
        "face": face_entry(face),
        "answer": face.answer,
        "person": face.person if face.person and face.person.size >= 2 else None,
        "found": [
            {**face_entry(other), "answer": other.answer, "similarity": similarity}
            for other, similarity in found
        ],
        "crop_px": PERSON_CROP_PX,
    }
    return render(request, "classifier/more_photos.html", context)
