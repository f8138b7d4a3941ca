"""manage.py ingest DIR: every new photo of a folder becomes one upload, once, into an event."""

import errno
import io
import os
import signal
import subprocess
import sys
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from classifier.desk import ingest as ingest_module
from classifier.desk.ingest import Ingest
from classifier.models import Event, Prediction
from tests.web.conftest import app_environment, jpeg_bytes
from tests.web.processes import ROOT, wait_for


@pytest.fixture
def final(db) -> Event:
    return Event.objects.create(name="Final", date=date(2026, 6, 7))


def distinct_photo(number: int) -> bytes:
    return jpeg_bytes((64, 48), colour=(number * 9 % 256, 255 - number * 7 % 256, number % 256))


@pytest.fixture
def folder(tmp_path):
    """30 photos: 25 different ones and 5 copies of some of them under other names, one of
    them in a sub-folder."""
    photos = tmp_path / "card"
    (photos / "second-camera").mkdir(parents=True)
    for number in range(25):
        (photos / f"IMG_{number:04d}.jpg").write_bytes(distinct_photo(number))
    for number in range(5):
        copy = photos / ("second-camera" if number == 0 else ".") / f"copy-{number}.JPG"
        copy.write_bytes(distinct_photo(number * 3))
    return photos


def ingest(*args) -> str:
    out = io.StringIO()
    call_command("ingest", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.mark.db_engine  # duplicates found by query, on_commit
def test_it_uploads_each_new_photo_once_then_nothing_more(
    folder, final, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = ingest(folder, "--event", "Final")

    assert Prediction.objects.filter(event=final).count() == 25
    assert len(sent_tasks) == 25
    assert "[1/30] IMG_0000.jpg: uploaded, queued" in output
    assert output.rstrip().endswith("25 uploaded, 5 already seen, 0 rejected, 0 skipped.")

    with django_capture_on_commit_callbacks(execute=True):
        again = ingest(folder, "--event", str(final.pk))

    assert Prediction.objects.count() == 25
    assert len(sent_tasks) == 25
    assert again.rstrip().endswith("0 uploaded, 30 already seen, 0 rejected, 0 skipped.")


def test_each_run_is_one_upload_batch(folder, final, sent_tasks):
    ingest(folder, "--event", "Final")
    (folder / "late.jpg").write_bytes(distinct_photo(99))
    ingest(folder, "--event", "Final")

    first = set(Prediction.objects.exclude(original_name="late.jpg").values_list("batch"))
    late = Prediction.objects.get(original_name="late.jpg").batch
    assert len(first) == 1 and late not in {batch for (batch,) in first}


@pytest.mark.db_engine  # matching a null event
def test_a_photo_seen_in_another_event_is_uploaded_into_this_one(folder, final, sent_tasks):
    ingest(folder)

    ingest(folder, "--event", "Final")

    assert Prediction.objects.filter(event=None).count() == 25
    assert Prediction.objects.filter(event=final).count() == 25


def test_it_reports_a_file_that_is_not_a_photo_and_goes_on(tmp_path, final, sent_tasks):
    (tmp_path / "broken.jpg").write_bytes(b"not a photo")
    (tmp_path / "notes.txt").write_text("ignored: not a photo's name")
    (tmp_path / "good.jpg").write_bytes(jpeg_bytes())

    output = ingest(tmp_path, "--event", "Final")

    assert "broken.jpg: rejected: This file is not an image we can read" in output
    assert "notes.txt" not in output
    assert list(Prediction.objects.values_list("original_name", flat=True)) == ["good.jpg"]
    assert output.rstrip().endswith("1 uploaded, 0 already seen, 1 rejected, 0 skipped.")


def test_it_skips_symbolic_links_and_never_reads_through_them(tmp_path, final, sent_tasks):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.jpg").write_bytes(distinct_photo(1))
    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / "good.jpg").write_bytes(distinct_photo(2))
    (hot / "private.jpg").symlink_to(outside / "private.jpg")
    (hot / "memory.jpg").symlink_to("/proc/self/mem")
    (hot / "elsewhere").symlink_to(outside, target_is_directory=True)

    output = ingest(hot, "--event", "Final")

    assert "private.jpg: skipped: a symbolic link, not followed" in output
    assert "memory.jpg: skipped: a symbolic link, not followed" in output
    assert "elsewhere: skipped: a symbolic link, not followed" in output
    assert list(Prediction.objects.values_list("original_name", flat=True)) == ["good.jpg"]
    assert output.rstrip().endswith("1 uploaded, 0 already seen, 0 rejected, 3 skipped.")


def test_a_file_too_large_is_refused_by_its_size_without_being_read(tmp_path, final, sent_tasks):
    with (tmp_path / "huge.jpg").open("wb") as huge:
        huge.truncate(1536 * 1024 * 1024)  # sparse: 1.5 GB that take no room on the disk
    (tmp_path / "good.jpg").write_bytes(jpeg_bytes())

    tracemalloc.start()
    try:
        output = ingest(tmp_path, "--event", "Final")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "huge.jpg: rejected: The upload is too large: 1.5\xa0GB" in output
    assert peak < 20 * 1024 * 1024, f"{peak / 2**20:.0f} MiB allocated at the peak"
    assert list(Prediction.objects.values_list("original_name", flat=True)) == ["good.jpg"]


def delete_after_look(monkeypatch, path: Path, look: int = 1) -> None:
    """``path`` is deleted right after the folder's ``look``-th look, before it is read."""
    looks = 0
    real_photos = Ingest.photos

    def photos(self):
        nonlocal looks
        found = real_photos(self)
        looks += 1
        if looks == look:
            path.unlink()
        return found

    monkeypatch.setattr(Ingest, "photos", photos)


def test_a_file_gone_between_the_look_and_the_read_is_reported_and_skipped(
    tmp_path, final, sent_tasks, monkeypatch
):
    for name in ("a-gone.jpg", "b-good.jpg"):
        (tmp_path / name).write_bytes(distinct_photo(len(name)))
    delete_after_look(monkeypatch, tmp_path / "a-gone.jpg")

    output = ingest(tmp_path, "--event", "Final")

    assert "a-gone.jpg: skipped: cannot be read (No such file or directory)" in output
    assert list(Prediction.objects.values_list("original_name", flat=True)) == ["b-good.jpg"]
    assert output.rstrip().endswith("1 uploaded, 0 already seen, 0 rejected, 1 skipped.")


def test_a_file_it_may_not_read_is_reported_and_skipped(tmp_path, final, sent_tasks, monkeypatch):
    for name in ("a-locked.jpg", "b-good.jpg"):
        (tmp_path / name).write_bytes(distinct_photo(len(name)))
    real_open = os.open

    def system_open(path, flags, *args, **kwargs):
        """The system's answer for a file without read permission, which the tests (as root)
        cannot make: no permission stops root."""
        if Path(path).name == "a-locked.jpg":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", system_open)

    output = ingest(tmp_path, "--event", "Final")

    assert "a-locked.jpg: skipped: cannot be read (Permission denied)" in output
    assert list(Prediction.objects.values_list("original_name", flat=True)) == ["b-good.jpg"]


def test_watch_goes_on_after_a_file_it_could_not_read(tmp_path, final, sent_tasks, monkeypatch):
    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / "gone.jpg").write_bytes(distinct_photo(1))
    delete_after_look(monkeypatch, hot / "gone.jpg", look=2)  # when it has held still
    sleeps = 0

    def between_looks(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        if sleeps == 1:
            (hot / "later.jpg").write_bytes(distinct_photo(2))
        if sleeps == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(ingest_module.time, "sleep", between_looks)
    lines: list[str] = []

    with pytest.raises(KeyboardInterrupt):
        Ingest(hot, event=final, report=lines.append).watch(0.1)

    assert lines == [
        "gone.jpg: skipped: cannot be read (No such file or directory)",
        "later.jpg: uploaded, queued",
    ]
    assert list(Prediction.objects.values_list("original_name", flat=True)) == ["later.jpg"]


def test_it_uploads_as_the_user_it_is_given(tmp_path, final, sent_tasks, django_user_model):
    desk = django_user_model.objects.create_user("desk")
    (tmp_path / "good.jpg").write_bytes(jpeg_bytes())

    ingest(tmp_path, "--user", "desk")

    assert Prediction.objects.get().uploader == desk


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--event", "Semi-final"], 'No event "Semi-final"'),
        (["--event", "Final"], 'Several events are called "Final"'),
        (["--user", "nobody"], 'No user "nobody"'),
    ],
)
def test_it_refuses_an_unknown_or_ambiguous_choice(tmp_path, final, args, message, sent_tasks):
    Event.objects.create(name="Final", date=date(2027, 6, 7))
    (tmp_path / "good.jpg").write_bytes(jpeg_bytes())

    with pytest.raises(CommandError, match=message):
        ingest(tmp_path, *args)

    assert not Prediction.objects.exists()


def test_it_refuses_a_folder_that_does_not_exist(tmp_path, db):
    with pytest.raises(CommandError, match="is not a folder"):
        ingest(tmp_path / "missing")


@pytest.mark.db_engine  # two processes writing one database
def test_watch_uploads_photos_dropped_into_the_hot_folder(
    transactional_db, django_db_blocker, tmp_path, settings
):
    event = Event.objects.create(name="Final", date=date(2026, 6, 7))
    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / "before.jpg").write_bytes(distinct_photo(1))
    env = app_environment(django_db_blocker, tmp_path / "media", tmp_path / "none.h5",
                          settings.CELERY_BROKER_URL)  # fmt: skip
    log = tmp_path / "ingest.log"
    command = [sys.executable, "manage.py", "ingest", str(hot), "--event", str(event.pk),
               "--watch", "--interval", "0.2"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output,
                                   start_new_session=True)  # fmt: skip
    try:
        wait_for(lambda: "Watching" in log.read_text(), 60, log.read_text)
        (hot / "memory.jpg").symlink_to("/proc/self/mem")
        wait_for(lambda: "memory.jpg: skipped" in log.read_text(), 30, log.read_text)
        (hot / "during.jpg").write_bytes(distinct_photo(2))
        (hot / "copy-of-before.jpg").write_bytes(distinct_photo(1))

        wait_for(lambda: "copy-of-before.jpg: already seen" in log.read_text(), 30, log.read_text)
        wait_for(lambda: Prediction.objects.count() == 2, 30, log.read_text)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    names = set(Prediction.objects.filter(event=event).values_list("original_name", flat=True))
    assert names == {"before.jpg", "during.jpg"}
