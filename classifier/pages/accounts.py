"""Accounts for visitors who are not staff: sign up, sign in and out (Django's auth views), and
the uploads of their browser session claimed by their account when they sign in, so they find
them from any browser."""

from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from classifier.models import Prediction
from classifier.uploads import visitor_id


def claim_session_uploads(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """The photos this browser sent before signing in become the account's (connected to
    ``user_logged_in`` in ``classifier.apps``)."""
    visitor = visitor_id(request) if request is not None else ""
    if visitor:
        Prediction.objects.filter(visitor=visitor, uploader__isnull=True).update(uploader=user)


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    form: UserCreationForm = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("history")
    return render(request, "registration/signup.html", {"form": form})
