"""Refuse oversized request bodies from their Content-Length, before any byte is read.

It runs before the CSRF middleware, which would otherwise parse (and spool) the whole body.
A roster import (a zip of a league's photos) may be larger: ATHLETES_MAX_IMPORT_BYTES.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, get_resolver, resolve

from classifier.uploads import too_large_message

# Multipart framing and form fields around the files themselves.
REQUEST_OVERHEAD_BYTES = 64 * 1024
# The URL names that take a roster import.
IMPORT_URL_NAMES = {"import_roster", "rosterimport-list"}


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the API, wherever the URLconf mounts the ``api`` namespace."""
    mounted = get_resolver().namespace_dict.get("api")
    return mounted is not None and request.path_info.startswith(f"/{mounted[0]}")


def largest_body(request: HttpRequest) -> int:
    try:
        name = resolve(request.path_info).url_name
    except Resolver404:
        name = None
    if name in IMPORT_URL_NAMES:
        return settings.ATHLETES_MAX_IMPORT_BYTES
    return settings.ATHLETES_MAX_UPLOAD_BYTES


def limit_request_size(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= largest_body(request) + REQUEST_OVERHEAD_BYTES:
            return get_response(request)
        message = too_large_message(length, largest_body(request))
        if is_api(request):
            return JsonResponse({"image": [message]}, status=413)
        return render(request, "classifier/error.html", {"message": message}, status=413)

    return middleware
