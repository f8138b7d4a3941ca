"""Reading a roster: tables, zips and folders, and the hostile ones refused in words."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.utils.text import slugify

from ml.dataset import label_for
from ml.roster import (
    Limits,
    PhotoUnavailable,
    RosterRejected,
    read_folder,
    read_table,
    read_zip,
)

CSV = b"""name,team,sport,number,photo
Ada Lovelace,Analysts,chess,10,https://photos.example/ada-1.jpg
Ada Lovelace,,,,https://photos.example/ada-2.jpg
Alan Turing,Analysts,chess,7,turing/1.jpg
Grace Hopper,Compilers,,,
"""


def zipped(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    "name", ["Roger Federer", "Zoë O'Neal", "Jean-Pierre  Raffarin", "  Ana_Palacio ", "李 Li"]
)
def test_labels_are_made_as_the_site_makes_them(name):
    assert label_for(name) == slugify(name).replace("-", "_")


def test_a_csv_has_one_photo_a_row_and_people_by_name():
    roster = read_table(CSV, "roster.csv")

    assert [(p.name, p.label, p.team, p.sport, p.number) for p in roster.people] == [
        ("Ada Lovelace", "ada_lovelace", "Analysts", "chess", "10"),
        ("Alan Turing", "alan_turing", "Analysts", "chess", "7"),
        ("Grace Hopper", "grace_hopper", "Compilers", "", ""),
    ]
    assert roster.people[0].photos == [
        "https://photos.example/ada-1.jpg",
        "https://photos.example/ada-2.jpg",
    ]
    assert roster.people[2].photos == []
    assert roster.problems == []


def test_json_lists_people_with_their_photos():
    document = {"people": [{"name": "Ada Lovelace", "number": 10, "photos": ["a/1.jpg"]}]}

    roster = read_table(json.dumps(document).encode(), "roster.json")

    assert [(p.label, p.number, p.photos) for p in roster.people] == [
        ("ada_lovelace", "10", ["a/1.jpg"])
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ('"=HYPERLINK(""http://x"")",T,,,', 'the name begins with "=", as a spreadsheet formula'),
        ("+cmd|' -c calc'!A0,T,,,", 'the name begins with "+"'),
        ("Ada,@SUM(A1),,,", 'the team begins with "@"'),
        ("Ada,-2+3,,,", 'the team begins with "-"'),
        ('"Ada\x07Bell",T,,,', "the name holds control characters"),
        (",T,,,", "no name"),
        ("Ada,T,,12345,", "the number is 1 to 4 letters or digits"),
        ("!!!,T,,,", "the name has no letters or digits"),
        ("Unknown,T,,,", '"unknown" is an answer, not an athlete'),
        ("Not a face,T,,,", '"not_a_face" is an answer, not an athlete'),
    ],
)
def test_a_bad_row_is_skipped_with_its_reason_and_the_rest_kept(row, reason):
    data = f"name,team,sport,number,photo\n{row}\nGrace Hopper,,,,\n".encode()

    roster = read_table(data, "roster.csv")

    assert [p.label for p in roster.people] == ["grace_hopper"]
    (problem,) = roster.problems
    assert problem.startswith("roster.csv, line 2: ")
    assert reason in problem


@pytest.mark.parametrize(
    "photo", ["file:///etc/passwd", "/etc/passwd", "../../etc/passwd", "a\\..\\b.jpg"]
)
def test_a_photo_outside_the_web_and_the_roster_files_is_refused(photo):
    roster = read_table(f"name,photo\nAda,{photo}\n".encode(), "roster.csv")

    assert roster.people[0].photos == []
    assert "that photo was skipped" in roster.problems[0]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"team,photo\nT,x.jpg\n", "roster.csv", "has no 'name' column"),
        (b"\xff\xfe\x00n", "roster.csv", "is not UTF-8 text"),
        (b"{", "roster.json", "is not JSON we can read"),
        (b'{"people": 3}', "roster.json", "must be a list of people"),
        (b"name\n" + b"Ada\n" * 30, "roster.csv", "more than 20 rows"),
        (b"name\n" + b"A" * 2000, "roster.csv", "a roster table may be 1,000"),
    ],
)
def test_a_table_that_cannot_be_read_is_refused_in_words(data, name, message):
    with pytest.raises(RosterRejected, match=message):
        read_table(data, name, Limits(max_rows=20, max_table_bytes=1000))


def test_a_zip_of_person_folders_inside_one_top_folder():
    archive = zipped({
        "enrol/Ada_Lovelace/1.jpg": b"a1", "enrol/Ada_Lovelace/2.jpg": b"a2",
        "enrol/alan_turing/1.jpg": b"t1", "enrol/notes.txt": b"x",
        "__MACOSX/enrol/._1.jpg": b"", "enrol/.DS_Store": b"",
    })  # fmt: skip

    roster, photos = read_zip(archive)

    assert [(p.name, p.label, p.photos) for p in roster.people] == [
        ("Ada Lovelace", "ada_lovelace", ["enrol/Ada_Lovelace/1.jpg", "enrol/Ada_Lovelace/2.jpg"]),
        ("Alan Turing", "alan_turing", ["enrol/alan_turing/1.jpg"]),
    ]
    assert roster.problems == [
        "enrol/notes.txt: not a photo (.jpg, .png, .webp, .bmp, .gif); skipped."
    ]
    assert photos.read("enrol/alan_turing/1.jpg") == (b"t1", "enrol/alan_turing/1.jpg")


def test_a_zip_with_a_roster_table_reads_its_photos_beside_it():
    archive = zipped({"league/roster.csv": CSV, "league/turing/1.jpg": b"t1"})

    roster, photos = read_zip(archive)

    assert [p.label for p in roster.people] == ["ada_lovelace", "alan_turing", "grace_hopper"]
    assert photos.read("turing/1.jpg") == (b"t1", "league/turing/1.jpg")
    with pytest.raises(PhotoUnavailable, match="league/turing/2.jpg is not in the zip"):
        photos.read("turing/2.jpg")


@pytest.mark.parametrize("name", ["../evil/1.jpg", "/etc/1.jpg", "a/../../1.jpg", "a\\..\\1.jpg"])
def test_a_zip_naming_a_path_outside_itself_is_refused_whole(name):
    with pytest.raises(RosterRejected, match="a path outside the roster's own files"):
        read_zip(zipped({"Ada/1.jpg": b"a", name: b"x"}))


def test_a_zip_bomb_is_refused_before_anything_is_unpacked():
    archive = zipped({"Ada/1.jpg": b"\0" * (20 * 1024 * 1024)})

    with pytest.raises(RosterRejected, match="as a zip bomb does"):
        read_zip(archive)


def test_a_zip_that_would_unpack_too_much_or_holds_too_many_entries_is_refused():
    entries = {f"Ada/{n}.jpg": bytes(range(256)) * 8 for n in range(12)}

    with pytest.raises(RosterRejected, match="would unpack to 24,576 bytes"):
        read_zip(zipped(entries), Limits(max_unpacked_bytes=10_000))
    with pytest.raises(RosterRejected, match="holds 12 entries; an import may hold 10"):
        read_zip(zipped(entries), Limits(max_entries=10))


def test_a_photo_over_the_cap_is_not_read_past_it():
    _, photos = read_zip(
        zipped({"Ada/1.jpg": bytes(range(256)) * 100}), Limits(max_photo_bytes=1000)
    )

    with pytest.raises(PhotoUnavailable, match="over the 1,000-byte cap"):
        photos.read("Ada/1.jpg")


def test_not_a_zip_is_refused_in_words():
    with pytest.raises(RosterRejected, match="not a zip archive we can read"):
        read_zip(io.BytesIO(b"name,photo\n"))


def test_a_server_folder_never_follows_a_link_out(tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"secret")
    root = tmp_path / "league"
    (root / "Ada_Lovelace").mkdir(parents=True)
    (root / "Ada_Lovelace" / "1.jpg").write_bytes(b"a1")
    (root / "Ada_Lovelace" / "2.jpg").symlink_to(secret)
    (root / "roster.csv").write_text("name,photo\nAda Lovelace,Ada_Lovelace/1.jpg\n"
                                     "Ada Lovelace,Ada_Lovelace/2.jpg\n")  # fmt: skip

    roster, photos = read_folder(root)

    assert roster.people[0].photos == ["Ada_Lovelace/1.jpg", "Ada_Lovelace/2.jpg"]
    assert photos.read("Ada_Lovelace/1.jpg") == (b"a1", "Ada_Lovelace/1.jpg")
    with pytest.raises(PhotoUnavailable, match="a link or not a plain file"):
        photos.read("Ada_Lovelace/2.jpg")


def test_a_table_alone_reads_photos_only_by_url():
    from ml.roster import Photos

    with pytest.raises(PhotoUnavailable, match="can name photos only by URL"):
        Photos(Limits()).read("turing/1.jpg")
