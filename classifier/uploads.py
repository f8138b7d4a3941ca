"""Accept an uploaded photo: check it, store a clean copy, and queue it (or reuse a result).

A photo is accepted only if ``ml.imaging`` can decode it: the extension and the client's content
type are never trusted. What the site stores and serves is a re-encode of the decoded pixels
(orientation applied, EXIF and GPS gone) under a name the server chooses; ``sha256`` and
``size`` describe the bytes the user sent. The row and its files are written together or not
at all.

Each upload is stamped with its uploader, or with the visitor id of the browser session that sent
it (``visitor_id``), which is what lets that visitor list their uploads
(``PredictionQuerySet.visible_to``).
"""

import hashlib
import io
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image

from classifier.models import Prediction
from ml.errors import ImageRejected
from ml.imaging import load_image

THUMBNAIL_SIZE = (320, 320)
VISITOR_SESSION_KEY = "visitor"


def too_large_message(size: int) -> str:
    limit = filesizeformat(settings.ATHLETES_MAX_UPLOAD_BYTES)
    return f"The upload is too large: {filesizeformat(size)}; the limit is {limit}."


def visitor_id(request: HttpRequest, *, create: bool = True) -> str:
    """This browser session's random visitor id; created on first use unless ``create`` is false.

    Written once, when the site's pages are shown, so concurrent uploads never race to update
    the session. API clients that bring no session get none made for them: they keep the
    ``Location`` of what they upload.
    """
    if create and VISITOR_SESSION_KEY not in request.session:
        request.session[VISITOR_SESSION_KEY] = secrets.token_hex(16)
    return request.session.get(VISITOR_SESSION_KEY, "")


@dataclass(frozen=True)
class CheckedUpload(ABC):
    """An upload that passed every check, ready to be stored: the bytes the user sent."""

    original_name: str
    size: int
    sha256: str

    @abstractmethod
    def store(self, prediction: Prediction) -> None:
        """Save the new, unsaved ``prediction`` of this upload, with its files or result."""


@dataclass(frozen=True)
class SeenBefore(CheckedUpload):
    """The same bytes as an earlier finished prediction, whose result and files are reused."""

    earlier: Prediction

    def store(self, prediction: Prediction) -> None:
        prediction.copy_result_from(self.earlier)
        prediction.save()


@dataclass(frozen=True)
class NewPhoto(CheckedUpload):
    """A photo never seen before, decoded: stored as a clean copy and queued for the worker."""

    image: Image.Image
    format: str

    def store(self, prediction: Prediction) -> None:
        """The row and its files together or not at all; enqueued once committed."""
        prediction.width, prediction.height = self.image.size
        prediction.enqueued_at = timezone.now()  # reset by enqueue() if the broker refuses it
        served, suffix = encode(self.image, self.format)
        try:
            with transaction.atomic():
                prediction.image.save(f"{prediction.pk}{suffix}", ContentFile(served), save=False)
                prediction.thumbnail.save(
                    f"{prediction.pk}.jpg", ContentFile(thumbnail(self.image)), save=False
                )
                prediction.save()
                prediction.enqueue_on_commit()
        except BaseException:
            for field in (prediction.image, prediction.thumbnail):
                if field.name:
                    field.storage.delete(field.name)
            raise


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Read and validate one uploaded file; raise ImageRejected with a message for the user."""
    size = upload.size or 0
    if size > settings.ATHLETES_MAX_UPLOAD_BYTES:
        raise ImageRejected(too_large_message(size))
    data = upload.read()
    sha256 = hashlib.sha256(data).hexdigest()
    name = (upload.name or "upload")[:255]
    earlier = Prediction.objects.reusable_for(sha256)
    if earlier is not None:
        return SeenBefore(name, len(data), sha256, earlier)
    decoded = load_image(data)
    return NewPhoto(name, len(data), sha256, pixels_only(decoded.image), decoded.format)


def pixels_only(image: Image.Image) -> Image.Image:
    """The decoded photo without the sender's metadata, which Pillow would otherwise write out
    again (a JPEG's comment, for one, is saved from ``image.info``)."""
    image.info.clear()
    return image


def encode(image: Image.Image, source_format: str) -> tuple[bytes, str]:
    """The bytes to serve and their suffix: JPEG stays JPEG, anything else becomes PNG."""
    buffer = io.BytesIO()
    if source_format == "JPEG":
        image.save(buffer, "JPEG", quality=95)
        return buffer.getvalue(), ".jpg"
    image.save(buffer, "PNG")
    return buffer.getvalue(), ".png"


def thumbnail(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def store_upload(checked: CheckedUpload, *, uploader=None, visitor: str = "") -> Prediction:
    """Create the prediction: reused at once, or queued for the worker after commit."""
    prediction = Prediction(
        original_name=checked.original_name,
        sha256=checked.sha256,
        size=checked.size,
        uploader=uploader if uploader and uploader.is_authenticated else None,
        visitor=visitor,
    )
    checked.store(prediction)
    return prediction


def accept_upload(upload: UploadedFile, *, uploader=None, visitor: str = "") -> Prediction:
    return store_upload(check_upload(upload), uploader=uploader, visitor=visitor)
