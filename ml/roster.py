"""A roster to enrol: who (name, team, sport, jersey number) and where their photos are.

Three ways in, one result (``Roster``):

- a table, CSV or JSON (``read_table``): one row per photo in a CSV (a person's rows share
  their name), one object per person with a ``photos`` list in JSON; photos are http(s) URLs,
  or paths inside the zip or folder the table came in;
- a zip (``read_zip``) or a server folder (``read_folder``): with a ``roster.csv`` or
  ``roster.json`` at its top, or laid out one folder per person (``<Person_Name>/<photos>``,
  the layout ``python -m ml train --data`` reads), optionally inside one top folder.

Everything a user sends is distrusted: a table is capped in bytes and rows; a cell that a
spreadsheet would run (``= + - @``, tab, carriage return) or that holds control characters
refuses its row; a zip is refused whole, with the reason in words, if it has too many entries,
would unpack to too much, compresses suspiciously well (a zip bomb) or names a path outside
itself; a photo is read through ``Photos.read``, which never reads past the size cap, never
follows a link out of the folder, and fetches URLs with ``ml.fetch``. A bad row or photo is
reported and skipped; the rest goes on.
"""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ml import fetch
from ml.dataset import PHOTO_SUFFIXES, display_name, label_for
from ml.results import ANSWERS_NOT_ATHLETES

TABLE_NAMES = ("roster.csv", "roster.json")
COLUMNS = ("name", "label", "team", "sport", "number", "photo")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NUMBER = re.compile(r"^[0-9A-Za-z]{1,4}$")
LABEL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
LONGEST = {"name": 200, "team": 200, "sport": 100}


@dataclass(frozen=True)
class Limits:
    max_table_bytes: int = 5 * 1024 * 1024
    max_rows: int = 50_000
    max_entries: int = 50_000  # in a zip
    max_unpacked_bytes: int = 4 * 1024**3  # a zip's entries added up
    max_ratio: int = 100  # uncompressed / compressed, for an entry over 1 MiB
    max_photo_bytes: int = 20 * 1024 * 1024
    download: fetch.Limits = fetch.Limits()


class RosterRejected(ValueError):
    """The whole roster is refused; ``str()`` says why, for the person who sent it."""


class PhotoUnavailable(Exception):
    """One photo could not be read; ``str()`` says why."""


@dataclass
class Person:
    name: str
    label: str
    team: str = ""
    sport: str = ""
    number: str = ""
    photos: list[str] = field(default_factory=list)  # URLs, or paths in the zip or folder


@dataclass
class Roster:
    people: list[Person]
    problems: list[str]  # rows and entries skipped, each in words


# --- Tables ---------------------------------------------------------------------------------


def read_table(data: bytes, name: str, limits: Limits = Limits()) -> Roster:
    """The people of a CSV or JSON roster (by ``name``'s suffix); raise RosterRejected."""
    if len(data) > limits.max_table_bytes:
        raise RosterRejected(
            f"{name} is {len(data):,} bytes; a roster table may be {limits.max_table_bytes:,}."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterRejected(f"{name} is not UTF-8 text.") from error
    if name.lower().endswith(".json"):
        return _people_from_rows(_json_rows(text, name, limits), name)
    return _people_from_rows(_csv_rows(text, name, limits), name)


def _csv_rows(text: str, name: str, limits: Limits) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lower() for column in reader.fieldnames or []]
    except csv.Error as error:
        raise RosterRejected(f"{name} is not a CSV table we can read: {error}.") from error
    if "name" not in header:
        raise RosterRejected(
            f"{name} has no 'name' column; its first line names the columns: "
            f"{', '.join(COLUMNS)} (only name is needed)."
        )
    reader.fieldnames = header
    rows: list[tuple[str, dict[str, Any]]] = []
    try:
        for row in reader:
            if reader.line_num > limits.max_rows + 1:
                raise RosterRejected(f"{name} has more than {limits.max_rows:,} rows.")
            cells = {key: (value or "").strip() for key, value in row.items() if key in COLUMNS}
            photo = cells.pop("photo", "")
            rows.append((f"line {reader.line_num}", {**cells, "photos": [photo] if photo else []}))
    except csv.Error as error:
        raise RosterRejected(f"{name}, line {reader.line_num}: {error}.") from error
    return rows


def _json_rows(text: str, name: str, limits: Limits) -> list[tuple[str, dict[str, Any]]]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise RosterRejected(f"{name} is not JSON we can read: {error}.") from error
    people = document.get("people") if isinstance(document, dict) else document
    if not isinstance(people, list):
        raise RosterRejected(f'{name} must be a list of people, or {{"people": [...]}}.')
    if len(people) > limits.max_rows:
        raise RosterRejected(f"{name} has more than {limits.max_rows:,} people.")
    rows: list[tuple[str, dict[str, Any]]] = []
    for number, person in enumerate(people, start=1):
        where = f"person {number}"
        if not isinstance(person, dict):
            rows.append((where, {"invalid": "each person is an object with a name"}))
            continue
        photos = person.get("photos", [])
        if not isinstance(photos, list) or not all(isinstance(p, str) for p in photos):
            rows.append((where, {"invalid": "photos must be a list of URLs or paths"}))
            continue
        given = {key: person.get(key) for key in COLUMNS if key != "photo"}
        if any(value is not None and not isinstance(value, str | int) for value in given.values()):
            rows.append((where, {"invalid": "name, label, team, sport and number are text"}))
            continue
        cells: dict[str, Any] = {
            key: str(value).strip() for key, value in given.items() if value is not None
        }
        rows.append((where, {**cells, "photos": [photo.strip() for photo in photos]}))
    return rows


def _people_from_rows(rows: list[tuple[str, dict[str, Any]]], name: str) -> Roster:
    """Merge the rows into people (by label), skipping each bad row with its reason."""
    people: dict[str, Person] = {}
    problems = []
    for where, cells in rows:
        reason = cells.get("invalid") or _bad_cell(cells)
        if reason:
            problems.append(f"{name}, {where}: {reason}; skipped.")
            continue
        label = cells.get("label") or label_for(cells["name"])
        person = people.setdefault(label, Person(cells["name"], label))
        for key in ("team", "sport", "number"):
            if cells.get(key) and not getattr(person, key):
                setattr(person, key, cells[key])
        for photo in cells["photos"]:
            if photo_reason := _bad_photo_reference(photo):
                problems.append(f"{name}, {where}: {photo_reason}; that photo was skipped.")
            elif photo not in person.photos:
                person.photos.append(photo)
    return Roster(list(people.values()), problems)


def name_refusal(name: str) -> str:
    """Why ``name`` cannot be a person's name (a formula, control characters, no letters), or
    "" when it can."""
    return _bad_cell({"name": name.strip()})


def _bad_cell(cells: dict[str, Any]) -> str:
    """Why a row cannot be taken, or ""."""
    if not cells.get("name"):
        return "no name"
    for key in ("name", "label", "team", "sport", "number"):
        value = cells.get(key, "")
        if value.startswith(FORMULA_STARTS):
            return f'the {key} begins with "{value[0]!s}", as a spreadsheet formula does'
        if CONTROL.search(value):
            return f"the {key} holds control characters"
        if len(value) > LONGEST.get(key, 100):
            return f"the {key} is longer than {LONGEST.get(key, 100)} characters"
    if not label_for(cells["name"]) and not cells.get("label"):
        return "the name has no letters or digits"
    if cells.get("label") and not LABEL.match(cells["label"]):
        return "the label may hold only lowercase letters, digits, _ and -"
    if (label := cells.get("label") or label_for(cells["name"])) in ANSWERS_NOT_ATHLETES:
        return f'"{label}" is an answer, not an athlete'
    if cells.get("number") and not NUMBER.match(cells["number"]):
        return "the number is 1 to 4 letters or digits"
    return ""


def _bad_photo_reference(photo: str) -> str:
    if photo.startswith(("http://", "https://")):
        return "" if len(photo) <= 2000 else "a photo URL is longer than 2,000 characters"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", photo):
        return f"{photo[:60]!r} is neither an http(s) URL nor a path in the zip or folder"
    return _bad_path(photo)


def _bad_path(path: str) -> str:
    parts = PurePosixPath(path).parts
    if path.startswith("/") or "\\" in path or ".." in parts or CONTROL.search(path):
        return f"{path[:100]!r} is a path outside the roster's own files"
    return ""


# --- Photos ---------------------------------------------------------------------------------


class Photos:
    """Reads a roster's photos: URLs through ``ml.fetch``; paths from the zip or folder the
    roster came in (``files``), never past the size cap."""

    def __init__(self, limits: Limits, base: str = ""):
        self.limits = limits
        self.base = base  # the table's folder, which its photo paths are relative to

    def read(self, reference: str) -> tuple[bytes, str]:
        """(bytes, where they came from); raise PhotoUnavailable saying why not."""
        if reference.startswith(("http://", "https://")):
            try:
                fetched = fetch.fetch(reference, self.limits.download)
            except fetch.DownloadFailed as error:
                raise PhotoUnavailable(f"the download failed: {error}") from error
            return fetched.data, fetched.url
        path = str(PurePosixPath(self.base, reference)) if self.base else reference
        return self.read_file(path), path

    def read_file(self, path: str) -> bytes:
        raise PhotoUnavailable(f"{path}: a roster sent alone can name photos only by URL")

    def close(self) -> None:
        pass


class ZipPhotos(Photos):
    def __init__(self, archive: zipfile.ZipFile, limits: Limits, base: str = ""):
        super().__init__(limits, base)
        self.archive = archive
        self.entries = {info.filename: info for info in archive.infolist()}

    def read_file(self, path: str) -> bytes:
        info = self.entries.get(path)
        if info is None or info.is_dir():
            raise PhotoUnavailable(f"{path} is not in the zip")
        if info.flag_bits & 0x1:
            raise PhotoUnavailable(f"{path} is encrypted")
        cap = self.limits.max_photo_bytes
        try:
            with self.archive.open(info) as entry:
                data = entry.read(cap + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
            raise PhotoUnavailable(f"{path} could not be unpacked: {error}") from error
        if len(data) > cap:
            raise PhotoUnavailable(f"{path} is over the {cap:,}-byte cap")
        return data

    def close(self) -> None:
        self.archive.close()


class FolderPhotos(Photos):
    def __init__(self, root: Path, limits: Limits, base: str = ""):
        super().__init__(limits, base)
        self.root = root.resolve()

    def read_file(self, path: str) -> bytes:
        if reason := _bad_path(path):
            raise PhotoUnavailable(reason)
        file = self.root / path
        try:
            mode = file.lstat().st_mode
        except OSError as error:
            raise PhotoUnavailable(f"{path} is not in the folder") from error
        if stat.S_ISLNK(mode) or not stat.S_ISREG(mode):
            raise PhotoUnavailable(f"{path} is a link or not a plain file, which is not read")
        cap = self.limits.max_photo_bytes
        if file.stat().st_size > cap:
            raise PhotoUnavailable(f"{path} is over the {cap:,}-byte cap")
        try:
            with file.open("rb") as opened:
                data = opened.read(cap + 1)
        except OSError as error:
            raise PhotoUnavailable(f"{path} could not be read: {error.strerror}") from error
        if len(data) > cap:
            raise PhotoUnavailable(f"{path} is over the {cap:,}-byte cap")
        return data


# --- Zips and folders -----------------------------------------------------------------------


def read_zip(source: Path | IO[bytes], limits: Limits = Limits()) -> tuple[Roster, Photos]:
    """The roster in a zip, and its photos; raise RosterRejected for a hostile archive."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise RosterRejected("This file is not a zip archive we can read.") from error
    try:
        entries = archive.infolist()
        _check_archive(entries, limits)
        files = [info.filename for info in entries if not info.is_dir()]
        roster, base = _roster_of(files, lambda name: _table_bytes(archive, name, limits), limits)
    except BaseException:
        archive.close()
        raise
    return roster, ZipPhotos(archive, limits, base)


def read_folder(root: Path, limits: Limits = Limits()) -> tuple[Roster, Photos]:
    """The roster in a server folder, and its photos; links are never followed."""
    if not root.is_dir():
        raise RosterRejected(f"{root} is not a folder.")
    files: list[str] = []
    for path in sorted(root.rglob("*")):
        if len(files) >= limits.max_entries:
            raise RosterRejected(f"{root} holds more than {limits.max_entries:,} files.")
        if path.is_file() and not path.is_symlink():
            files.append(path.relative_to(root).as_posix())

    def table(name: str) -> bytes:
        return FolderPhotos(root, limits).read_file(name)

    roster, base = _roster_of(files, table, limits)
    return roster, FolderPhotos(root, limits, base)


def _check_archive(entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(entries) > limits.max_entries:
        raise RosterRejected(
            f"The zip holds {len(entries):,} entries; an import may hold {limits.max_entries:,}."
        )
    unpacked = sum(info.file_size for info in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise RosterRejected(
            f"The zip would unpack to {unpacked:,} bytes; an import may unpack to "
            f"{limits.max_unpacked_bytes:,}."
        )
    for info in entries:
        if reason := _bad_path(info.filename.rstrip("/")):
            raise RosterRejected(f"The zip holds {reason}: nothing was imported.")
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limits.max_ratio:
            raise RosterRejected(
                f"The zip's {info.filename[:100]!r} unpacks {ratio:,} times larger than it is "
                "stored, as a zip bomb does: nothing was imported."
            )


def _roster_of(files: list[str], table_bytes, limits: Limits) -> tuple[Roster, str]:
    """The roster of an archive's or folder's files: its table, else its person folders;
    and the folder the photo paths are relative to."""
    visible = [name for name in files if not _hidden(name)]
    top = _single_top_folder(visible)
    for folder in dict.fromkeys([top, ""]):
        for table in TABLE_NAMES:
            if f"{folder}{table}" in visible:
                roster = read_table(table_bytes(f"{folder}{table}"), table, limits)
                return roster, folder.rstrip("/")
    # enrol/<Person>/<photos>: the top folder is not a person.
    deep = any(len(PurePosixPath(name).parts) > 2 for name in visible)
    return _people_by_folder(visible, top if deep else ""), ""


def _table_bytes(archive: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    with archive.open(name) as entry:
        data = entry.read(limits.max_table_bytes + 1)
    if len(data) > limits.max_table_bytes:
        raise RosterRejected(f"{name} is larger than {limits.max_table_bytes:,} bytes.")
    return data


def _hidden(name: str) -> bool:
    """macOS's resource forks and dot files, which zips made on a Mac carry."""
    return any(part.startswith((".", "__MACOSX")) for part in PurePosixPath(name).parts)


def _single_top_folder(files: Iterable[str]) -> str:
    """``"enrol/"`` when every file is inside ``enrol/``, else ``""``."""
    paths = [PurePosixPath(name) for name in files]
    tops = {path.parts[0] for path in paths}
    if len(tops) == 1 and all(len(path.parts) > 1 for path in paths):
        return f"{tops.pop()}/"
    return ""


def _people_by_folder(files: list[str], top: str) -> Roster:
    people: dict[str, Person] = {}
    problems = []
    for name in sorted(files):
        parts = PurePosixPath(name.removeprefix(top)).parts
        if PurePosixPath(name).suffix.lower() not in PHOTO_SUFFIXES:
            problems.append(f"{name}: not a photo (.jpg, .png, .webp, .bmp, .gif); skipped.")
            continue
        if len(parts) != 2:
            problems.append(f"{name}: photos go in one folder per person; skipped.")
            continue
        folder = parts[0]
        # Aaron_Peirsol → Aaron Peirsol; rafael_nadal → Rafael Nadal; McEnroe stays McEnroe.
        shown = folder.replace("_", " ") if folder != folder.lower() else display_name(folder)
        if reason := _bad_cell({"name": shown}):
            problems.append(f"{name}: the folder's {reason}; skipped.")
            continue
        label = label_for(shown)
        people.setdefault(label, Person(shown, label)).photos.append(name)
    if not people:
        raise RosterRejected(
            "No roster.csv or roster.json, and no photos in folders named after people "
            "(<Person_Name>/<photos>): nothing to import."
        )
    return Roster(list(people.values()), problems)
