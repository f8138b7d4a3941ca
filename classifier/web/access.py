"""Pages for staff: a visitor who is not signed in is sent to sign in; a user without the
permission gets the 403 page saying which permission it needs."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def staff_page(perm: str | tuple[str, ...], why: str) -> Callable:
    """Guard a view with ``perm`` (or all of several); ``why`` is the sentence a user without
    it reads."""
    perms = (perm,) if isinstance(perm, str) else perm

    def guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not request.user.has_perms(perms):
                raise PermissionDenied(why)
            return view(request, *args, **kwargs)

        return guarded

    return guard
