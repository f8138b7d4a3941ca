"""The sample-photo download checks every file against its pinned sha256."""

from pathlib import Path

import pytest

from ml.errors import ModelError
from ml.sample_data import fetch_sample_photos


@pytest.fixture
def mirror(tmp_path: Path, sample_data: Path) -> Path:
    """A local stand-in for the public repository, laid out as it is there."""
    root = tmp_path / "mirror"
    (root / "data").mkdir(parents=True)
    (root / "data" / "james").symlink_to(sample_data / "lebron_james")
    (root / "data" / "nadal").symlink_to(sample_data / "rafael_nadal")
    return root


def test_it_downloads_all_sixty_photos_into_label_folders(tmp_path, mirror):
    out = fetch_sample_photos(tmp_path / "out", base_url=mirror.as_uri())

    assert len(list((out / "lebron_james").glob("*.jpg"))) == 30
    assert len(list((out / "rafael_nadal").glob("*.jpg"))) == 30
    assert (out / "rafael_nadal" / "nadal(3).jpg").is_file()


def test_it_refuses_a_file_whose_checksum_differs(tmp_path, mirror, sample_data):
    tampered = tmp_path / "tampered"
    (tampered / "data").mkdir(parents=True)
    (tampered / "data" / "nadal").symlink_to(sample_data / "rafael_nadal")
    (tampered / "data" / "james").mkdir()
    for photo in (sample_data / "lebron_james").iterdir():
        (tampered / "data" / "james" / photo.name).write_bytes(photo.read_bytes()[:-1])

    with pytest.raises(ModelError, match="expected sha256"):
        fetch_sample_photos(tmp_path / "out", base_url=tampered.as_uri())
    assert not list((tmp_path / "out").rglob("*.jpg"))


def test_it_says_which_url_failed_when_offline(tmp_path):
    with pytest.raises(ModelError, match="Could not download"):
        fetch_sample_photos(tmp_path, base_url=(tmp_path / "nowhere").as_uri())
