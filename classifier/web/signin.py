"""Sign-in protection (django-axes): the client address it counts failures by, and the page a
locked-out client sees.

Failures are counted per username and address together, in the database, so every web process
sees the same counts: a guesser blocks that one name from that one address, never the account
for its owner elsewhere, nor the other people behind the same address. The settings (``AXES_*``
in ``athletes_site/settings/base.py``) say how many failures lock out, and for how long.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str:
    """The address the upload throttle uses too: the connection's, or the one our own
    ``ATHLETES_TRUSTED_PROXIES`` saw; never an ``X-Forwarded-For`` a client made up."""
    return BaseThrottle().get_ident(Request(request))


def locked_out(request: HttpRequest, credentials: dict | None, *args, **kwargs) -> HttpResponse:
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    message = (
        "Too many failed sign-ins to this account from your address: signing in to it from "
        f"here is blocked for {minutes} minutes. Wait, then try again; an administrator can "
        "lift the block with `manage.py axes_reset`."
    )
    context = {"title": "Signing in is blocked", "message": message}
    return render(request, "classifier/error.html", context, status=429)
