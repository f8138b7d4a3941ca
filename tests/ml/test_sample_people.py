"""The five other people's photos come out of dlib's source archive checked against their
pinned sha256s, laid out by person, and are downloaded only while one is missing."""

import json
import tarfile
from pathlib import Path

import pytest

from ml import sample_people as source
from ml.errors import ModelError
from ml.sample_people import fetch_sample_people, orig_archive

PRINT_URIS = """Need to get 209 MB of source archives.
'http://mirror.test/debian/pool/main/d/dlib/dlib_19.24%2bdfsg-1.dsc' dlib_19.24+dfsg-1.dsc 2483 SHA256:846b
'http://mirror.test/debian/pool/main/d/dlib/dlib_19.24%2bdfsg.orig-dlib-models.tar.bz2' dlib_19.24+dfsg.orig-dlib-models.tar.bz2 200155223 SHA256:735a
'http://mirror.test/debian/pool/main/d/dlib/dlib_19.24%2bdfsg.orig.tar.bz2' dlib_19.24+dfsg.orig.tar.bz2 8636409 SHA256:66b4
'http://mirror.test/debian/pool/main/d/dlib/dlib_19.24%2bdfsg-1.debian.tar.xz' dlib_19.24+dfsg-1.debian.tar.xz 9928 SHA256:a898
"""  # noqa: E501


def source_archive(path: Path, people: Path, tamper: str | None = None) -> Path:
    """A stand-in for dlib's source archive: the photos where dlib keeps them, and a README."""
    catalogue = json.loads(source.CATALOGUE.read_text())
    readme = path.parent / "README.md"
    readme.write_text("dlib")
    with tarfile.open(path, "w:bz2") as tar:
        tar.add(readme, "dlib-19.24/README.md")
        for photo in catalogue["photos"]:
            local = people / photo["label"] / Path(photo["path"]).name
            if photo["path"] == tamper:
                local = path.parent / "tampered.jpg"
                local.write_bytes(b"not the photo")
            tar.add(local, f"dlib-19.24/{catalogue['folder']}/{photo['path']}")
    return path


def test_it_lays_out_the_photos_by_person_and_downloads_only_once(
    tmp_path, sample_people, monkeypatch
):
    archive = source_archive(tmp_path / "dlib.orig.tar.bz2", sample_people)
    downloads = []
    monkeypatch.setattr(
        source, "download_source_archive", lambda *args: downloads.append(args) or archive
    )

    out = fetch_sample_people(tmp_path / "out")
    fetch_sample_people(tmp_path / "out")

    assert sorted(p.name for p in out.iterdir()) == sorted(source.sample_people_names())
    assert all(len(list(person.glob("*.jpg"))) == 11 for person in out.iterdir())
    assert len(downloads) == 1


def test_it_refuses_a_photo_whose_checksum_differs(tmp_path, sample_people, monkeypatch):
    archive = source_archive(
        tmp_path / "dlib.orig.tar.bz2", sample_people, tamper="John_Simm/000288_00470387.jpg"
    )
    monkeypatch.setattr(source, "download_source_archive", lambda *args: archive)

    with pytest.raises(ModelError, match="John_Simm/000288_00470387.jpg .* expected sha256"):
        fetch_sample_people(tmp_path / "out")
    assert not (tmp_path / "out" / "john_simm").exists()


def test_it_takes_the_upstream_archive_from_apts_answer_not_a_component():
    uri, name, digest = orig_archive(PRINT_URIS)

    assert name == "dlib_19.24+dfsg.orig.tar.bz2"
    assert uri.endswith("/dlib_19.24%2bdfsg.orig.tar.bz2")
    assert digest == "SHA256:66b4"


def test_it_says_so_when_apt_names_no_upstream_archive():
    with pytest.raises(ModelError, match="no upstream archive"):
        orig_archive(PRINT_URIS.replace(".orig.tar.bz2", ".tar.bz2"))
