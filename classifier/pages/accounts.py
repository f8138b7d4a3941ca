"""Accounts for visitors who are not staff: sign up (when ``ATHLETES_SIGNUP`` allows it), sign
in and out (Django's auth views), and the uploads of their browser session claimed by their
account when they sign in, so they find them from any browser."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from classifier.models import Prediction
from classifier.uploads import visitor_id
from classifier.web.throttling import admit_sign_up

CLOSED = "Accounts on this site are made by its administrators: ask one for an invitation."
# With the rate it passed (ATHLETES_SIGNUP_RATE), which says how long to wait.
TOO_MANY = "Too many sign-ups from your address (at most {rate}): wait, then try again."
# The same answer whether the name was free or taken, so the form tells nobody which exist.
SIGNED_UP = (
    "If {name} was free, it is your account now: sign in with the password you chose. If "
    "signing in fails, the name was taken; sign up with another."
)


class SignUpForm(UserCreationForm):
    """Django's sign-up form, except that a name already taken is no error: the view answers
    the same either way."""

    def clean_username(self) -> str:
        return self.cleaned_data["username"]

    def validate_unique(self) -> None:
        pass


def sign_up_context(request: HttpRequest) -> dict:
    """Whether pages offer sign-up (a context processor)."""
    return {"sign_up_open": settings.ATHLETES_SIGNUP}


def claim_session_uploads(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """The photos this browser sent before signing in become the account's (connected to
    ``user_logged_in`` in ``classifier.apps``)."""
    visitor = visitor_id(request) if request is not None else ""
    if visitor:
        Prediction.objects.filter(visitor=visitor, uploader__isnull=True).update(uploader=user)


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """Make an account, then send the visitor to sign in, saying the same whether the name was
    free or taken; a taken name costs the same password hashing, so the time says nothing
    either. Attempts are limited per address (``ATHLETES_SIGNUP_RATE``)."""
    if not settings.ATHLETES_SIGNUP:
        context = {"title": "Sign-up is closed", "message": CLOSED}
        return render(request, "classifier/error.html", context, status=403)
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        if not admit_sign_up(request):
            messages.error(request, TOO_MANY.format(rate=settings.ATHLETES_SIGNUP_RATE))
            return render(request, "registration/signup.html", {"form": form}, status=429)
        if form.is_valid():
            name = form.cleaned_data["username"]
            if get_user_model().objects.filter(username__iexact=name).exists():
                make_password(form.cleaned_data["password1"])
            else:
                try:
                    with transaction.atomic():
                        form.save()
                except IntegrityError:  # taken meanwhile: the same answer
                    pass
            messages.success(request, SIGNED_UP.format(name=name))
            return redirect("login")
    return render(request, "registration/signup.html", {"form": form})
