"""Enrol a roster's people and photos, in the worker (``classifier.tasks.import_roster``) or
from ``manage.py import_roster``.

Per person: the athlete is found by label or created; each photo is read (from the zip or
folder, or fetched by URL), and one already enrolled for them (the same bytes) is skipped;
its faces are found and embedded here, so the report can say what happened: no face, several
faces and which was chosen (``Example.record_faces``'s rule; photos with one face go first, so
the athlete's face is known before a group photo is decided), the same face as a photo already
enrolled (a copy, resized or re-encoded), too few photos. Every problem is a line of the
report; nothing stops the rest. Running it again adds only what is new.
"""

import hashlib
import logging
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from classifier.models import Athlete, Example, RosterImport
from classifier.models.embeddings import embedding_vector
from classifier.models.imports import open_roster
from classifier.uploads import encode, pixels_only
from classifier.worker import example_faces
from ml.athlete_face import closest_face, is_same_face
from ml.errors import ImageRejected
from ml.imaging import load_image
from ml.roster import Person, Photos, PhotoUnavailable, RosterRejected

logger = logging.getLogger(__name__)

# Fewer usable photos than this and recognising the person is a guess: the report says so.
ENOUGH_PHOTOS = 3


@dataclass
class FoundPhoto:
    """A new photo of the person, decoded, with its faces found and embedded."""

    reference: str
    source: str
    sha256: str
    image: Image.Image
    format: str
    boxes: list[tuple[int, int, int, int]]
    embeddings: np.ndarray  # (faces, 128), largest face first


@dataclass
class PersonReport:
    name: str
    label: str
    new: bool
    photos: int
    added: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)

    def as_entry(self) -> dict:
        return {
            "name": self.name, "label": self.label, "new": self.new, "photos": self.photos,
            "added": self.added, "duplicates": self.duplicates, "problems": self.problems,
        }  # fmt: skip


def run(roster_import: RosterImport, path: Path | None = None) -> None:
    """Import the roster of ``roster_import``: its stored file, or ``path`` on this machine (a
    folder, zip or table, from ``manage.py import_roster``)."""
    with tempfile.TemporaryDirectory(prefix="athletes-import-") as work:
        path = path or stored_copy(roster_import, Path(work))
        try:
            roster, photos = open_roster(path, roster_import.source_name)
        except RosterRejected as exc:
            roster_import.fail(str(exc))
            return
        try:
            roster_import.begin(len(roster.people), roster.problems)
            networks = example_faces.networks()
            for person in roster.people:
                roster_import.record_person(enrol(person, photos, networks).as_entry())
        finally:
            photos.close()
    roster_import.finish()


def stored_copy(roster_import: RosterImport, work: Path) -> Path:
    """The uploaded file on this disk (it may live in a bucket), for zipfile to seek in."""
    path = work / "roster"
    with roster_import.source.open("rb") as stored, path.open("wb") as copy:
        for chunk in iter(lambda: stored.read(1024 * 1024), b""):
            copy.write(chunk)
    return path


def enrol(person: Person, photos: Photos, networks: tuple) -> PersonReport:
    """One person of the roster: their athlete, and their new photos as examples."""
    athlete, created = Athlete.objects.from_roster(
        person.name, person.label, person.team, person.sport, person.number
    )
    report = PersonReport(athlete.display_name, athlete.label, created, len(person.photos))
    enrolled = set(athlete.examples.values_list("sha256", flat=True))
    found: list[FoundPhoto] = []
    for reference in person.photos:
        photo = read_photo(reference, photos, networks, enrolled, report)
        if photo is not None:
            found.append(photo)
    chosen = chosen_faces(athlete)
    for photo in sorted(found, key=lambda photo: len(photo.boxes) > 1):
        theirs = np.sum(chosen, axis=0) if chosen else np.zeros(photo.embeddings.shape[1])
        choice = closest_face(photo.embeddings, theirs)
        if is_same_face(photo.embeddings[choice], chosen):
            report.duplicates += 1
            report.problems.append(
                f"{photo.reference}: the same face as a photo already enrolled (a copy); skipped."
            )
            continue
        store(athlete, photo)
        report.added += 1
        if len(photo.boxes) > 1:
            how = "the most like their other photos" if chosen else "the largest"
            report.problems.append(
                f"{photo.reference}: {len(photo.boxes)} faces; face {choice + 1} ({how}) was "
                "chosen as theirs: check it on their photos page."
            )
        chosen.append(photo.embeddings[choice])
    usable = len(chosen)
    if usable < ENOUGH_PHOTOS:
        report.problems.append(
            f"Only {usable} usable photo{'s' if usable != 1 else ''}: {ENOUGH_PHOTOS} or more "
            "are needed to recognise them well."
        )
    return report


def read_photo(
    reference: str, photos: Photos, networks: tuple, enrolled: set[str], report: PersonReport
) -> FoundPhoto | None:
    """The photo at ``reference`` with its faces, or None, the reason added to the report."""
    try:
        data, source = photos.read(reference)
    except PhotoUnavailable as exc:
        report.problems.append(f"{reference}: {exc}; skipped.")
        return None
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 in enrolled:
        report.duplicates += 1
        return None
    enrolled.add(sha256)
    try:
        decoded = load_image(data)
    except ImageRejected as exc:
        report.problems.append(f"{reference}: {exc} Skipped.")
        return None
    from ml.features import embed_faces  # LiteRT: only in the worker

    faces = embed_faces(decoded.image, *networks)
    if not faces.faces:
        report.problems.append(f"{reference}: no face found; skipped.")
        return None
    return FoundPhoto(
        reference, source, sha256, pixels_only(decoded.image), decoded.format,
        [face.box for face in faces.faces], faces.embeddings[:, 0],
    )  # fmt: skip


def chosen_faces(athlete: Athlete) -> list[np.ndarray]:
    """The embeddings of the faces chosen in the athlete's examples so far."""
    stored = athlete.examples.filter(chosen__isnull=False).values_list(
        "chosen__embedding", flat=True
    )
    return [vector for data in stored if (vector := embedding_vector(data)) is not None]


def store(athlete: Athlete, photo: FoundPhoto) -> Example:
    """A clean copy of the photo as the athlete's example, its faces stored and one chosen."""
    served, suffix = encode(photo.image, photo.format)
    example = Example(
        athlete=athlete,
        original_name=Path(photo.reference).name[:255],
        width=photo.image.width,
        height=photo.image.height,
        sha256=photo.sha256,
        source=photo.source[:2000],
    )
    try:
        with transaction.atomic():
            example.image.save(f"{secrets.token_hex(16)}{suffix}", ContentFile(served))
            example.record_faces(photo.boxes, photo.embeddings)
    except BaseException:
        if example.image.name:
            example.image.storage.delete(example.image.name)
        raise
    return example
