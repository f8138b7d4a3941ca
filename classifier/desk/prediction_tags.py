"""What the tagged copy of an uploaded photo says: the athletes in it and where their faces are,
a caption from the settings' template, the credits and keywords the sent file carried, and the
name the download gets."""

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as format_date

from classifier.desk.credits import (
    date_taken,
    kept_as_they_came,
    original_caption,
    original_keywords,
)
from classifier.desk.photo_tags import NamedFace, PhotoTags, joined_names
from classifier.models import Athlete, Prediction

logger = logging.getLogger(__name__)


def download_name(prediction: Prediction) -> str:
    """``<original name>-athletes`` with the stored copy's suffix, for tagged downloads."""
    suffix = Path(prediction.image.name or "").suffix
    return f"{Path(prediction.original_name).stem}-athletes{suffix}"


def named_faces(prediction: Prediction) -> list[NamedFace]:
    """The faces with an athlete's name: reviewers' answers first, then the model's sure ones,
    best score first; an athlete is named once."""
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


def photo_tags(prediction: Prediction) -> PhotoTags:
    """What a tagged download of this photo says."""
    faces = named_faces(prediction)
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
