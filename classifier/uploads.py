"""Accept an uploaded photo: check it, store a clean copy, and queue it (or reuse a result).

A photo is accepted only if ``ml.imaging`` can decode it: the extension and the client's content
type are never trusted. What the site stores and serves is a re-encode of the decoded pixels
(orientation applied, EXIF and GPS gone) under a name the server chooses; ``sha256`` and
``size`` describe the bytes the user sent, and ``credits`` the rights, credit, caption and capture
date they carried (``classifier.desk.credits``), and their GPS position if the uploader chose to
keep it, which tagged downloads write back.

A request is all or nothing: every file is checked before any is stored, one refused file
refuses the request, and the rows and files of a request are written together or not at all.
The pixels one request may make the web process decode and re-encode are capped
(``ATHLETES_MAX_PIXELS_PER_REQUEST``), so no request outlasts the web server's timeout.

Each upload is stamped with its uploader, or with the visitor id of the browser session that sent
it (``visitor_id``), which is what lets that visitor list their uploads
(``PredictionQuerySet.visible_to``).
"""

import hashlib
import io
import secrets
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image
from rest_framework.request import Request

from classifier.desk.credits import Credits, read_credits
from classifier.models import Athlete, Event, Example, Prediction
from classifier.models.drawing import redraw_annotated
from ml.errors import ImageRejected
from ml.imaging import load_image

THUMBNAIL_SIZE = (320, 320)
# Stored files are always encoded to one of these (``encode``, ``thumbnail``); nothing else is
# ever served.
MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}
VISITOR_SESSION_KEY = "visitor"


def too_large_message(size: int, limit: int | None = None) -> str:
    shown = filesizeformat(limit or settings.ATHLETES_MAX_UPLOAD_BYTES)
    return f"The upload is too large: {filesizeformat(size)}; the limit is {shown}."


def check_size(size: int) -> None:
    """Refuse a file larger than ``ATHLETES_MAX_UPLOAD_BYTES`` from its size alone, before a
    byte of it is read."""
    if size > settings.ATHLETES_MAX_UPLOAD_BYTES:
        raise ImageRejected(too_large_message(size))


def visitor_id(request: HttpRequest, *, create: bool = False) -> str:
    """This browser session's random visitor id, or "" if it has none.

    ``create`` makes one, for an upload: only then is a session written, so visitors who only
    look cost no session row. It is written once per session; the page's script waits for its
    first upload before sending the others, so concurrent uploads never race to create it.
    """
    if create and VISITOR_SESSION_KEY not in request.session:
        request.session[VISITOR_SESSION_KEY] = secrets.token_hex(16)
    return request.session.get(VISITOR_SESSION_KEY, "")


def visitor_stamp(request: HttpRequest | Request) -> str:
    """The visitor id an API upload is stamped with: its browser session's (made on its first
    upload), none for a signed-in caller without cookies, and for an anonymous one without
    cookies a random id that no session holds: no list shows that upload, and it never passes
    for one made on the server (``manage.py ingest``), which has neither uploader nor visitor
    (``PredictionQuerySet.from_event_uploaders``)."""
    if from_browser(request):
        return visitor_id(request, create=True)
    return "" if request.user.is_authenticated else secrets.token_hex(16)


def from_browser(request: HttpRequest | Request) -> bool:
    """The request brings the site's session or CSRF cookie, as its pages and their script do.
    Such an API request acts for its browser session (and must pass CSRF checks); one without
    cookies acts for none: it keeps the ``Location`` of what it uploads."""
    return not request.COOKIES.keys().isdisjoint(
        {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    )


@dataclass(frozen=True)
class CheckedUpload(ABC):
    """An upload that passed every check, ready to be stored: the bytes the user sent."""

    original_name: str
    size: int
    sha256: str
    credits: Credits

    @property
    def pixels(self) -> int:
        """The pixels the web decodes for it: to check a new photo, or to draw a reused one's
        faces."""
        return 0

    @abstractmethod
    def store(self, prediction: Prediction) -> None:
        """Save the new, unsaved ``prediction`` of this upload, with its files or result."""

    def discard(self, prediction: Prediction) -> None:
        """Delete the files ``store`` wrote, when the request's transaction did not commit: those
        named after this prediction's id (never an earlier prediction's files it points to)."""
        for file in (prediction.image, prediction.thumbnail, prediction.annotated):
            if file.name and Path(file.name).stem == str(prediction.pk):
                file.storage.delete(file.name)


@dataclass(frozen=True)
class SeenBefore(CheckedUpload):
    """The same bytes as an earlier finished prediction, whose result and files are reused."""

    earlier: Prediction

    @property
    def pixels(self) -> int:
        return self.earlier.width * self.earlier.height

    def store(self, prediction: Prediction) -> None:
        """The model's answer, copies of the photo and its thumbnail under the new row's own
        id, and its own faces drawn on it: the earlier row's drawing shows that upload's
        reviews, which are not this one's. Its credits are its own, read from the bytes sent
        now: the GPS position is kept by this upload's choice, not the earlier one's. Never
        queued, so it carries no ``source``: the sender's address hash is kept only while a
        photo waits for a worker."""
        prediction.copy_result_from(self.earlier)
        prediction.source = ""

        def faces_and_drawing() -> None:
            prediction.copy_faces_from(self.earlier)
            redraw_annotated(prediction)

        save_with_files(prediction, copied_files(self.earlier), and_then=faces_and_drawing)


@dataclass(frozen=True)
class NewPhoto(CheckedUpload):
    """A photo never seen before, decoded: stored as a clean copy and queued for the worker."""

    image: Image.Image
    format: str

    @property
    def pixels(self) -> int:
        return self.image.width * self.image.height

    def store(self, prediction: Prediction) -> None:
        """A clean copy and its thumbnail; enqueued once committed."""
        prediction.width, prediction.height = self.image.size
        prediction.enqueued_at = timezone.now()  # reset by enqueue() if the broker refuses it
        served, suffix = encode(self.image, self.format)
        files = {"image": (suffix, served), "thumbnail": (".jpg", thumbnail(self.image))}
        save_with_files(prediction, files, enqueue=True)


def copied_files(source: Prediction) -> dict[str, tuple[str, bytes]]:
    """A reused prediction's own copies of its source's photo and thumbnail: nothing names
    the source."""
    copies = {}
    for field in ("image", "thumbnail"):
        file = getattr(source, field)
        if not file:
            continue
        with file.open("rb") as stored:
            copies[field] = (Path(file.name).suffix, stored.read())
    return copies


def save_with_files(
    prediction: Prediction,
    files: dict[str, tuple[str, bytes]],
    *,
    enqueue: bool = False,
    and_then: Callable[[], None] | None = None,
) -> None:
    """Save the row and its files (``{field: (suffix, bytes)}``, named after the row's id),
    then whatever ``and_then`` stores with it, together or not at all: if anything fails, no
    file is left behind."""
    try:
        with transaction.atomic():
            for field, (suffix, data) in files.items():
                getattr(prediction, field).save(
                    f"{prediction.pk}{suffix}", ContentFile(data), save=False
                )
            prediction.save()
            if and_then is not None:
                and_then()
            if enqueue:
                prediction.enqueue_on_commit()
    except BaseException:
        for field in files:
            file = getattr(prediction, field)
            if file.name:
                file.storage.delete(file.name)
        raise


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


def check_uploads(
    files: list[UploadedFile], event: Event | None = None, *, keep_location: bool = False
) -> list[CheckedUpload]:
    """Check every file of one request into ``event``; raise UploadsRefused if any is refused,
    or as soon as the request's pixels pass ``ATHLETES_MAX_PIXELS_PER_REQUEST``."""
    checked, reasons = [], []
    for file in files:
        try:
            checked.append(check_upload(file, event, keep_location=keep_location))
        except ImageRejected as exc:
            reasons.append(f"{file.name}: {exc}")
        if sum(upload.pixels for upload in checked) > settings.ATHLETES_MAX_PIXELS_PER_REQUEST:
            raise UploadsRefused([too_many_pixels_message()])
    if reasons:
        raise UploadsRefused([*reasons, "Nothing was stored: remove these files and send again."])
    return checked


def check_upload(
    upload: UploadedFile, event: Event | None = None, *, keep_location: bool = False
) -> CheckedUpload:
    """Read and validate one uploaded file for ``event``; raise ImageRejected with a message for
    the user. An earlier result is reused only from the same event, whose roster shaped it.
    ``keep_location``: the uploader keeps the photo's GPS position in its tagged downloads."""
    check_size(upload.size or 0)
    data = upload.read()
    sha256 = hashlib.sha256(data).hexdigest()
    name = (upload.name or "upload")[:255]
    earlier = Prediction.objects.reusable_for(sha256, event)
    if earlier is not None:
        credits = read_credits(data, keep_location=keep_location)
        return SeenBefore(name, len(data), sha256, credits, earlier)
    decoded = load_image(data)
    credits = read_credits(data, keep_location=keep_location)
    return NewPhoto(name, len(data), sha256, credits, pixels_only(decoded.image), decoded.format)


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
    checked: list[CheckedUpload],
    *,
    uploader=None,
    visitor: str = "",
    source: str = "",
    event: Event | None = None,
    batch: uuid.UUID | None = None,
) -> list[Prediction]:
    """Create the predictions of one request, all or none: reused at once, or queued for the
    worker after commit, stamped with the sender's ``source`` (``Prediction.source``). If
    anything fails, the files already written are deleted. They are one batch: ``batch``,
    which a browser sending its photos one by one gives each of them, or a new one."""
    batch = batch or uuid.uuid4()
    predictions = [
        Prediction(
            batch=batch,
            event=event,
            original_name=upload.original_name,
            sha256=upload.sha256,
            size=upload.size,
            credits=upload.credits,
            uploader=uploader if uploader and uploader.is_authenticated else None,
            visitor=visitor,
            source=source,
        )
        for upload in checked
    ]
    try:
        with transaction.atomic():
            for upload, prediction in zip(checked, predictions, strict=True):
                upload.store(prediction)
    except BaseException:
        for upload, prediction in zip(checked, predictions, strict=True):
            upload.discard(prediction)
        raise
    return predictions


@dataclass(frozen=True)
class ExamplePhoto:
    """An enrolment photo that passed the upload checks, decoded, without its metadata."""

    original_name: str
    image: Image.Image
    format: str


def check_examples(files: list[UploadedFile]) -> list[ExamplePhoto]:
    """The checks of ``check_uploads``, for enrolment photos (never reused, never queued)."""
    checked, reasons = [], []
    for file in files:
        try:
            check_size(file.size or 0)
            decoded = load_image(file.read())
        except ImageRejected as exc:
            reasons.append(f"{file.name}: {exc}")
            continue
        name = (file.name or "example")[:255]
        checked.append(ExamplePhoto(name, pixels_only(decoded.image), decoded.format))
        if sum(e.image.width * e.image.height for e in checked) > (
            settings.ATHLETES_MAX_PIXELS_PER_REQUEST
        ):
            raise UploadsRefused([too_many_pixels_message()])
    if reasons:
        raise UploadsRefused([*reasons, "Nothing was stored: remove these files and send again."])
    return checked


def store_examples(athlete: Athlete, photos: list[ExamplePhoto]) -> list[Example]:
    """Save clean copies of the photos as the athlete's examples, all or none; the worker
    then finds their faces."""
    examples = []
    try:
        with transaction.atomic():
            for photo in photos:
                served, suffix = encode(photo.image, photo.format)
                example = Example(
                    athlete=athlete,
                    original_name=photo.original_name,
                    width=photo.image.width,
                    height=photo.image.height,
                )
                example.image.save(f"{secrets.token_hex(16)}{suffix}", ContentFile(served))
                example.detect_faces()
                examples.append(example)
    except BaseException:
        for example in examples:
            if example.image.name:
                example.image.storage.delete(example.image.name)
        raise
    return examples
