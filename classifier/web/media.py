"""Stored images, served by the site itself with the same rules wherever they are stored (the
local disk or a bucket)."""

import posixpath
from pathlib import Path

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from classifier.uploads import MEDIA_TYPES

# Where ModelVersion.confusion_matrix is stored (its upload_to): served to staff only.
MODEL_PLOTS_FOLDER = "models"


def stored_name(path: str) -> str | None:
    """``path`` as the one name both the checks below and the storage use, or None when it is
    not already in that form: storages normalise names each their own way (a bucket's drops a
    leading or doubled slash and reads a backslash as one), so ``//models/plot.png`` once
    passed the check for ``models/`` and was served from ``models/plot.png`` to anyone. A name
    that normalising would change in any way is refused."""
    name = posixpath.normpath(path)
    if name != path or "\\" in path or name.startswith(("/", "..")) or name == ".":
        return None
    return name


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Serve a stored image with a fixed, safe content type (names are unguessable UUIDs).

    Model plots (``models/``) describe the training photos: only users who may view model
    versions get them; anyone else gets the same 404 as for a missing file.
    """
    name = stored_name(path)
    if name is None:
        raise Http404("No such file.")
    content_type = MEDIA_TYPES.get(Path(name).suffix.lower())
    staff_only = name.split("/")[0] == MODEL_PLOTS_FOLDER
    try:
        if content_type is None or not default_storage.exists(name):
            raise Http404("No such file.")
        if staff_only and not request.user.has_perm("classifier.view_modelversion"):
            raise Http404("No such file.")
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    except SuspiciousFileOperation as exc:
        raise Http404("No such file.") from exc
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
