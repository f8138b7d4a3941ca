"""What error pages and error reports say: the 400 page in words, and what reports may show of
the settings and the request."""

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.debug import SafeExceptionReporterFilter as DjangoFilter

# The user-and-password part of a URL: redis://:secret@host, postgres://user:secret@host.
CREDENTIALS_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


class SafeExceptionReporterFilter(DjangoFilter):
    """Django's filter, which hides settings named like secrets (``*KEY``, ``*PASS*``…), also
    masking the credentials of any URL in a setting, in the request's environment or in a
    traceback's text variables, whatever its name: ``CELERY_BROKER_URL``, ``CACHE_URL``,
    ``DATABASE_URL``."""

    def cleanse_setting(self, key, value):
        value = super().cleanse_setting(key, value)
        if isinstance(value, str):
            return CREDENTIALS_IN_URL.sub(rf"\g<scheme>{self.cleansed_substitute}@", str(value))
        return value

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleanse_setting(name, value) if isinstance(value, str) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400, for a request refused before any view saw it, saying why in words."""
    if isinstance(exception, TooManyFilesSent):
        message = f"Send at most {settings.ATHLETES_MAX_FILES_PER_UPLOAD} photos at a time."
    elif isinstance(exception, TooManyFieldsSent | RequestDataTooBig):
        message = "The request has too many form fields or too much form data."
    else:
        message = "The request could not be understood."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "classifier/error.html", {"message": message}, status=400)
