"""What the tagged copy of an uploaded photo says: the athletes in it and where their faces are,
a caption from the settings' template, the credits and keywords the sent file carried, and the
name the download gets; and the tagged copies themselves, kept in storage per (photo, tags) so
that exiftool runs once for each thing a photo says, however often it is downloaded."""

import hashlib
import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.dateformat import format as format_date

from classifier.desk.credits import (
    date_taken,
    kept_as_they_came,
    original_caption,
    original_keywords,
)
from classifier.desk.photo_tags import (
    NamedFace,
    PhotoTags,
    joined_names,
    tag_photos,
)
from classifier.models import Athlete, Prediction

logger = logging.getLogger(__name__)


def download_name(prediction: Prediction) -> str:
    """``<original name>-athletes`` with the stored copy's suffix, for tagged downloads."""
    suffix = Path(prediction.image.name or "").suffix
    return f"{Path(prediction.original_name).stem}-athletes{suffix}"


def named_faces(prediction: Prediction, names: dict[str, str] | None = None) -> list[NamedFace]:
    """The faces with an athlete's name: reviewers' answers first, then the model's sure ones,
    best score first; an athlete is named once."""
    if names is None:
        names = Athlete.objects.display_names()
    faces = sorted(
        prediction.faces.with_review(), key=lambda face: (face.review is None, -face.score)
    )
    named, seen = [], set()
    for face in faces:
        if face.answer in names and face.answer not in seen:
            seen.add(face.answer)
            named.append(NamedFace(names[face.answer], (face.x, face.y, face.width, face.height)))
    return named


def caption(prediction: Prediction, people: list[str]) -> str:
    """The settings' caption template filled in for this photo, dated by when it was taken
    if the file said so, and followed by the caption the file came with."""
    ours = names_caption(prediction, people)
    original = original_caption(prediction.credits)
    if not original:
        return ours
    if not ours:
        return original
    return f"{ours}{'' if ours.endswith(('.', '!', '?')) else '.'} {original}"


def names_caption(prediction: Prediction, people: list[str]) -> str:
    event = prediction.event
    day = date_taken(prediction.credits) or (
        event.date if event else timezone.localtime(prediction.created_at)
    )
    values = {
        "names": joined_names(people),
        "event": event.name if event else "",
        "date": format_date(day, "j F Y"),
    }
    template = settings.ATHLETES_CAPTION_TEMPLATE
    if event is None:
        template = settings.ATHLETES_CAPTION_TEMPLATE_NO_EVENT
    try:
        return template.format_map(values).strip(" ,")
    except (KeyError, ValueError, IndexError):
        logger.warning("The caption template %r is not valid; the names are used.", template)
        return values["names"]


def photo_tags(prediction: Prediction, names: dict[str, str] | None = None) -> PhotoTags:
    """What a tagged download of this photo says."""
    faces = named_faces(prediction, names)
    people = [face.name for face in faces]
    keywords = original_keywords(prediction.credits)
    return PhotoTags(
        people,
        faces,
        caption(prediction, people),
        prediction.width,
        prediction.height,
        keywords=[*keywords, *(name for name in people if name not in keywords)],
        kept=kept_as_they_came(prediction.credits),
    )


# Part of every stored copy's name: raise it when the way copies are written changes, so that
# copies written the old way are not served again.
TAGGING_VERSION = 1


def tagged_copy_name(prediction: Prediction, tags: PhotoTags) -> str:
    """The stored name of ``prediction``'s copy with ``tags`` written into it."""
    written = json.dumps(
        [TAGGING_VERSION, prediction.image.name, tags.as_exiftool_json()], sort_keys=True
    )
    key = hashlib.sha256(written.encode()).hexdigest()[:32]
    return f"{prediction.tagged_folder}/{key}{Path(prediction.image.name or '').suffix}"


def tagged_copies(
    predictions: list[Prediction], *, wait_seconds: float | None = None
) -> list[tuple[PhotoTags, bytes]]:
    """Each photo's tags and tagged copy, in order: from storage when these tags were written
    before, else from one exiftool run for all the others, which are then stored (replacing
    the photo's copy with older tags). Raises ``TaggingUnavailable``."""
    athletes = Athlete.objects.display_names()
    tags = [photo_tags(prediction, athletes) for prediction in predictions]
    names = [tagged_copy_name(p, t) for p, t in zip(predictions, tags, strict=True)]
    copies: dict[int, bytes] = {}
    for number, (prediction, name) in enumerate(zip(predictions, names, strict=True)):
        if prediction.image.storage.exists(name):
            with prediction.image.storage.open(name, "rb") as stored:
                copies[number] = stored.read()
    missing = [number for number in range(len(predictions)) if number not in copies]
    photos = []
    for number in missing:
        prediction = predictions[number]
        with prediction.image.open("rb") as stored:
            photos.append((stored.read(), Path(prediction.image.name or "").suffix, tags[number]))
    written = tag_photos(photos, wait_seconds=wait_seconds) if photos else []
    for number, tagged in zip(missing, written, strict=True):
        prediction = predictions[number]
        prediction.image.storage.save(names[number], ContentFile(tagged))
        prediction.delete_tagged_copies(keep=names[number])
        copies[number] = tagged
    return [(tags[number], copies[number]) for number in range(len(predictions))]
