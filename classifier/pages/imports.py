"""The roster import pages: send a league's roster (a zip of photos, a CSV or JSON table) and
follow its import, person by person, to the report and "Train now"."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from classifier.models import ImportRefused, RosterImport
from classifier.pages.athletes import enrol_page

RECENT_IMPORTS = 10


class RosterImportForm(forms.Form):
    roster = forms.FileField(
        label="Roster",
        help_text="A zip of photos in one folder per person, or with a roster.csv; or a CSV "
        "or JSON table whose photos are URLs.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.csv,.json"}),
    )
    train = forms.BooleanField(
        label="Train a new model when the import is done", required=False, initial=True
    )


@require_http_methods(["GET", "POST"])
@enrol_page
def import_roster(request: HttpRequest) -> HttpResponse:
    """Send a roster (POST), which the worker imports; the import's page follows it."""
    form = RosterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = RosterImport.objects.start(
                request.user, form.cleaned_data["roster"], train=form.cleaned_data["train"]
            )
        except ImportRefused as refused:
            form.add_error("roster", str(refused))
        else:
            return redirect("roster_import", pk=roster_import.pk)
    context = {
        "form": form,
        "imports": RosterImport.objects.visible_to(request.user)[:RECENT_IMPORTS],
    }
    return render(request, "classifier/import.html", context, status=400 if form.errors else 200)


@require_safe
@enrol_page
def roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its progress while the worker works, then the report, person by person."""
    roster_import = get_object_or_404(RosterImport.objects.visible_to(request.user), pk=pk)
    if roster_import.status == RosterImport.Status.DONE and not roster_import.report:
        messages.info(request, "The roster named nobody.")
    return render(request, "classifier/roster_import.html", {"roster_import": roster_import})
