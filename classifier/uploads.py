"""Accept an uploaded photo: check it, store a clean copy, and queue it (or reuse a result).

A photo is accepted only if ``ml.imaging`` can decode it: the extension and the client's content
type are never trusted. What the site stores and serves is a re-encode of the decoded pixels
(orientation applied, EXIF and GPS gone) under a name the server chooses; ``sha256`` and
``size`` describe the bytes the user sent.

A request is all or nothing: every file is checked before any is stored, one refused file
refuses the request, and the rows and files of a request are written together or not at all.
The pixels one request may make the web process decode and re-encode are capped
(``ATHLETES_MAX_PIXELS_PER_REQUEST``), so no request outlasts the web server's timeout.
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image

from classifier.models import Prediction
from classifier.tasks import enqueue_on_commit
from ml.errors import ImageRejected
from ml.imaging import load_image

THUMBNAIL_SIZE = (320, 320)


def too_large_message(size: int) -> str:
    limit = filesizeformat(settings.ATHLETES_MAX_UPLOAD_BYTES)
    return f"The upload is too large: {filesizeformat(size)}; the limit is {limit}."


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, ready to be stored."""

    original_name: str
    size: int
    sha256: str
    image: Image.Image | None  # None when an earlier result of the same bytes is reused
    format: str
    reuse: Prediction | None


class UploadsRefused(Exception):
    """The request's files were refused, each reason for the user; nothing was stored."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def too_many_pixels_message() -> str:
    limit = settings.ATHLETES_MAX_PIXELS_PER_REQUEST / 1_000_000
    return (
        f"These photos are too large to take in one request (more than {limit:g} megapixels "
        "together); nothing was stored. Send fewer at a time."
    )


def check_uploads(files: list[UploadedFile]) -> list[CheckedUpload]:
    """Check every file of one request; raise UploadsRefused if any is refused, or as soon as
    the request's pixels pass ``ATHLETES_MAX_PIXELS_PER_REQUEST``."""
    checked, reasons, pixels = [], [], 0
    for file in files:
        try:
            upload = check_upload(file)
        except ImageRejected as exc:
            reasons.append(f"{file.name}: {exc}")
            continue
        checked.append(upload)
        if upload.image is not None:
            pixels += upload.image.width * upload.image.height
        if pixels > settings.ATHLETES_MAX_PIXELS_PER_REQUEST:
            raise UploadsRefused([too_many_pixels_message()])
    if reasons:
        raise UploadsRefused([*reasons, "Nothing was stored: remove these files and send again."])
    return checked


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Read and validate one uploaded file; raise ImageRejected with a message for the user."""
    if upload.size > settings.ATHLETES_MAX_UPLOAD_BYTES:
        raise ImageRejected(too_large_message(upload.size))
    data = upload.read()
    sha256 = hashlib.sha256(data).hexdigest()
    name = (upload.name or "upload")[:255]
    reuse = Prediction.objects.reusable_for(sha256)
    if reuse is not None:
        return CheckedUpload(name, len(data), sha256, None, "", reuse)
    decoded = load_image(data)
    return CheckedUpload(name, len(data), sha256, pixels_only(decoded.image), decoded.format, None)


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


def store_uploads(
    checked: list[CheckedUpload], *, uploader=None, visitor: str = ""
) -> list[Prediction]:
    """Create the predictions of one request, all or none: reused at once, or queued for the
    worker after commit. If anything fails, the files already written are deleted."""
    written: list = []
    try:
        with transaction.atomic():
            return [store_upload(upload, uploader, visitor, written) for upload in checked]
    except BaseException:
        for field in written:
            field.storage.delete(field.name)
        raise


def store_upload(checked: CheckedUpload, uploader, visitor: str, written: list) -> Prediction:
    """Save one prediction inside the caller's transaction; list every file written."""
    prediction = Prediction(
        original_name=checked.original_name,
        sha256=checked.sha256,
        size=checked.size,
        uploader=uploader if uploader and uploader.is_authenticated else None,
        visitor=visitor,
    )
    if checked.reuse is not None:
        prediction.copy_result_from(checked.reuse)
        prediction.save()
        return prediction

    prediction.width, prediction.height = checked.image.size
    prediction.enqueued_at = timezone.now()  # reset by enqueue() if the broker refuses it
    served, suffix = encode(checked.image, checked.format)
    prediction.image.save(f"{prediction.pk}{suffix}", ContentFile(served), save=False)
    written.append(prediction.image)
    prediction.thumbnail.save(
        f"{prediction.pk}.jpg", ContentFile(thumbnail(checked.image)), save=False
    )
    written.append(prediction.thumbnail)
    prediction.save()
    enqueue_on_commit(prediction.pk)
    return prediction
