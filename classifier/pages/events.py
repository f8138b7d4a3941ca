"""Teams and events, made and edited on the site: an event's roster is its teams and the people
picked one by one, and may name people not enrolled yet, who are added as athletes without
photos until an import or the athletes' pages bring them."""

import datetime

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from classifier.desk.event_zip import export_key, export_photos
from classifier.models import Athlete, Event, EventExport, ModelVersion, Team
from classifier.uploads import visitor_id
from classifier.web.access import staff_page
from classifier.web.throttling import UploadRefused, kept_or_new_export
from ml.roster import name_refusal

add_page = staff_page("classifier.add_event", "Making events needs the permission to add events.")
change_page = staff_page(
    "classifier.change_event", "Changing events needs the permission to change events."
)
add_team_page = staff_page("classifier.add_team", "Making teams needs the permission to add teams.")
change_team_page = staff_page(
    "classifier.change_team", "Changing teams needs the permission to change teams."
)


class RosterForm(forms.ModelForm):
    """A roster's people: athletes picked from those enrolled, and the names of people not
    enrolled yet, one a line."""

    new_people = forms.CharField(
        label="People not enrolled yet",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One name a line; they are added as athletes, to enrol later.",
    )

    def clean_new_people(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["new_people"].splitlines()]
        names = [name for name in names if name]
        for name in names:
            if reason := name_refusal(name):
                raise forms.ValidationError(f"{name[:60]}: {reason}.")
        return names

    def save(self, commit: bool = True):
        instance = super().save(commit=commit)
        instance.athletes.add(*Athlete.objects.named(self.cleaned_data["new_people"]))
        return instance


class EventForm(RosterForm):
    class Meta:
        model = Event
        fields = ["name", "date", "teams", "athletes", "open"]
        labels = {"athletes": "Other people", "open": "Open to anyone"}
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "teams": forms.CheckboxSelectMultiple,
            "athletes": forms.SelectMultiple(attrs={"size": 8}),
        }


class TeamForm(RosterForm):
    class Meta:
        model = Team
        fields = ["name", "athletes"]
        labels = {"athletes": "Players"}
        widgets = {"athletes": forms.SelectMultiple(attrs={"size": 12})}


SAVED = {"event": " Photos uploaded into it are named only from its roster."}


def roster_rows(instance: Event | Team) -> list[dict]:
    """Each person of an event's or a team's roster and whether they can be named: not
    enrolled yet (no usable photo), enrolled but unknown to the active model (train it), or
    known."""
    active = ModelVersion.objects.active()
    known = set(active.labels) if active else set()
    if isinstance(instance, Event):
        athletes = instance.roster_athletes()
    else:
        athletes = Athlete.objects.filter(teams=instance)
    rows = []
    for athlete in athletes.with_example_counts().order_by("display_name"):
        if not athlete.photo_count:  # type: ignore[attr-defined]  # with_example_counts
            state = "not enrolled yet"
        elif athlete.label not in known:
            state = "enrolled; train a model to name them"
        else:
            state = "known"
        rows.append({"athlete": athlete, "state": state})
    return rows


@require_safe
@add_page
def events(request: HttpRequest) -> HttpResponse:
    context = {
        "events": Event.objects.annotate(team_count=Count("teams", distinct=True)),
        "teams": Team.objects.annotate(player_count=Count("athletes", distinct=True)),
    }
    return render(request, "classifier/events.html", context)


@require_http_methods(["GET", "POST"])
@add_page
def new_event(request: HttpRequest) -> HttpResponse:
    event = Event(date=datetime.date.today())
    return roster_page(request, EventForm(request.POST or None, instance=event), "event")


@require_http_methods(["GET", "POST"])
@change_page
def edit_event(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    return roster_page(request, EventForm(request.POST or None, instance=event), "event")


@require_http_methods(["GET", "POST"])
@add_team_page
def new_team(request: HttpRequest) -> HttpResponse:
    return roster_page(request, TeamForm(request.POST or None, instance=Team()), "team")


@require_http_methods(["GET", "POST"])
@change_team_page
def edit_team(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    return roster_page(request, TeamForm(request.POST or None, instance=team), "team")


def roster_page(request: HttpRequest, form: RosterForm, name: str) -> HttpResponse:
    """An event's or a team's form (``name``: its URL and template), and its roster."""
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"{saved} is saved." + SAVED.get(name, ""))
        return redirect(name, pk=saved.pk)
    instance = form.instance
    context = {"form": form, name: instance, "roster": roster_rows(instance) if instance.pk else []}
    status = 400 if form.errors else 200
    return render(request, f"classifier/{name}.html", context, status=status)


@require_safe
def event_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for an event's tagged photos from a browser, with the API's choice of photos: the
    zip's page, where the worker's progress is followed without choosing the photos again."""
    event = get_object_or_404(Event.objects.visible_to(request.user), pk=pk)
    everyone = request.GET.get("uploads") == "all"
    photos = export_photos(event, request.user, visitor_id(request), everyone)
    try:
        export = kept_or_new_export(request, event, export_key(photos), photos)
    except UploadRefused as refused:
        context = {"title": "Too many exports", "message": str(refused.detail)}
        response = render(request, "classifier/error.html", context, status=refused.status_code)
        response["Retry-After"] = str(refused.wait)
        return response
    if export.status == EventExport.Status.FAILED:  # said once, then tried again
        return export_page(request, export, everyone)
    return redirect(reverse("export", args=[export.pk]) + ("?uploads=all" if everyone else ""))


@require_safe
def export(request: HttpRequest, export_id: str) -> HttpResponse:
    """An export's page, by its random id: "being prepared" (the page updates itself) while the
    worker builds the zip, then the download, which the API serves to whoever may list it."""
    found = get_object_or_404(EventExport.objects.select_related("event"), pk=export_id)
    return export_page(request, found, request.GET.get("uploads") == "all")


def export_page(request: HttpRequest, export: EventExport, everyone: bool) -> HttpResponse:
    download = reverse("api:event-export", args=[export.event_id])
    context = {
        "event": export.event,
        "export": export,
        "photos": len(export.photos),
        "download": download + ("?uploads=all" if everyone else ""),
        "again": reverse("event_export", args=[export.event_id]),
    }
    return render(request, "classifier/event_export.html", context)
