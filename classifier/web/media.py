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


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Serve a stored image with a fixed, safe content type (names are unguessable UUIDs).

    Model plots (``models/``) describe the training photos: only users who may view model
    versions get them; anyone else gets the same 404 as for a missing file.
    """
    content_type = MEDIA_TYPES.get(Path(path).suffix.lower())
    folder = posixpath.normpath(path).split("/")[0]
    staff_only = folder == MODEL_PLOTS_FOLDER
    try:
        if content_type is None or not default_storage.exists(path):
            raise Http404("No such file.")
        if staff_only and not request.user.has_perm("classifier.view_modelversion"):
            raise Http404("No such file.")
        response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    except SuspiciousFileOperation as exc:
        raise Http404("No such file.") from exc
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
