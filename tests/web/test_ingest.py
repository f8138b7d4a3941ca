"""manage.py ingest DIR: every new photo of a folder becomes one upload, once, into an event."""

import io
import os
import signal
import subprocess
import sys
from datetime import date

import pytest
from django.core.management import CommandError, call_command

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
    assert output.rstrip().endswith("25 uploaded, 5 already seen, 0 rejected.")

    with django_capture_on_commit_callbacks(execute=True):
        again = ingest(folder, "--event", str(final.pk))

    assert Prediction.objects.count() == 25
    assert len(sent_tasks) == 25
    assert again.rstrip().endswith("0 uploaded, 30 already seen, 0 rejected.")


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
    assert output.rstrip().endswith("1 uploaded, 0 already seen, 1 rejected.")


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
        (hot / "during.jpg").write_bytes(distinct_photo(2))
        (hot / "copy-of-before.jpg").write_bytes(distinct_photo(1))

        wait_for(lambda: "copy-of-before.jpg: already seen" in log.read_text(), 30, log.read_text)
        wait_for(lambda: Prediction.objects.count() == 2, 30, log.read_text)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    names = set(Prediction.objects.filter(event=event).values_list("original_name", flat=True))
    assert names == {"before.jpg", "during.jpg"}
