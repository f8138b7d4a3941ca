"""scripts/loadtest.py, small: concurrent uploads to the live server with a real worker, one per
API request and several per form request, all accepted and completed, none an error, each one
new to the site."""

import ast
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from classifier.models import Prediction
from tests.web.processes import ROOT

pytestmark = pytest.mark.integration

SCRIPT = ROOT / "scripts" / "loadtest.py"
COUNT = 20


def loadtest(*args: str, timeout: int) -> subprocess.CompletedProcess:
    """Run scripts/loadtest.py with these arguments, as a user would from a shell."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout
    )


def loadtest_site(site, photos: Path, *args: str) -> subprocess.CompletedProcess:
    """The load test against the live ``site`` with the JPEG photos in ``photos``, stopped
    after 150 s."""
    return loadtest(
        "--url", site.url, "--photos", str(photos), "--timeout", "150", *args, timeout=200
    )


def test_twenty_concurrent_uploads_are_all_accepted_and_completed(
    live_server, active_model, worker, sample_data
):
    result = loadtest_site(live_server, sample_data, "--count", str(COUNT), "--concurrency", "10")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"accepted          {COUNT} (202: {COUNT}, 201: 0)" in lines
    assert f"completed         {COUNT}" in lines
    assert any(line.startswith("errors            0 ") for line in lines)
    assert any(line.startswith("upload to result  p50 ") for line in lines)
    predictions = Prediction.objects.all()
    assert predictions.count() == COUNT
    assert_it_asked_for_results_only_as_they_came(lines, COUNT)
    assert set(predictions.values_list("status", flat=True)) == {Prediction.Status.DONE}
    assert predictions.values("sha256").distinct().count() == COUNT
    assert set(predictions.values_list("attempts", flat=True)) == {1}


def test_photos_sent_several_per_form_request_are_all_accepted_and_completed(
    live_server, active_model, worker, sample_data
):
    result = loadtest_site(
        live_server, sample_data, "--count", "10", "--per-request", "5", "--concurrency", "2"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "form requests of 5 photos, 2 at a time" in lines[0]
    assert "accepted          10 (202: 10, 201: 0)" in lines
    assert "completed         10" in lines
    predictions = Prediction.objects.all()
    assert predictions.count() == 10
    assert set(predictions.values_list("status", flat=True)) == {Prediction.Status.DONE}
    assert predictions.values("visitor").distinct().count() == 2  # one browser per request


def assert_it_asked_for_results_only_as_they_came(lines: list[str], count: int) -> None:
    """Once a second, one request per result found plus at most POLL_MISSES for the photos
    still waiting: never every pending photo each time, which loaded the site it measured."""
    (report,) = [line for line in lines if line.startswith("result requests   ")]
    requests, rounds = [int(word) for word in report.split() if word.isdigit()][:2]
    wall = float(next(line for line in lines if line.startswith("wall time")).split()[2])
    assert rounds <= wall + 2, report  # one round a second, plus the last one
    assert count <= requests <= count + 3 * rounds, report


def test_it_refuses_an_address_that_is_not_this_machine(sample_data):
    result = loadtest("--url", "http://192.0.2.1:8000", "--photos", str(sample_data), timeout=30)

    assert result.returncode == 2
    assert "--url must be on this machine" in result.stderr


def test_uploads_arrive_at_the_given_rate_and_the_report_says_what_was_sustained(
    live_server, active_model, worker, sample_data
):
    result = loadtest_site(
        live_server, sample_data, "--count", "8", "--rate", "4", "--concurrency", "8"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line[:18].strip(): line[18:] for line in result.stdout.splitlines()}
    arrival = float(lines["arrival rate"].split()[0])
    assert 2 <= arrival <= 4.05, lines  # never faster than asked; slower only on a busy machine
    assert lines["sustained"].endswith("photos/s (results, first to last finished_at)")
    assert sum(ast.literal_eval(lines["faces per photo"]).values()) == 8
    assert Prediction.objects.filter(status=Prediction.Status.DONE).count() == 8


def test_it_sends_photos_of_each_face_count_in_the_range_equally_often(
    live_server, active_model, worker, sample_data, tmp_path
):
    """Three single-face photos and one of two faces: the survey finds that, and 2 faces then
    come up as often as 1, not once in four. The worker's CPU time is reported per photo."""
    for name in ("james(10).jpg", "james(11).jpg", "james(12).jpg", "james(1).jpg"):
        (tmp_path / name).write_bytes((sample_data / "lebron_james" / name).read_bytes())

    result = loadtest_site(
        live_server,
        tmp_path,
        "--count",
        "6",
        "--faces",
        "1-2",
        "--cpu-of",
        f"worker={worker.pid}",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line[:18].strip(): line[18:] for line in result.stdout.splitlines()}
    assert lines["face survey"].startswith("{1: 3, 2: 1} faces: photos"), lines
    assert ast.literal_eval(lines["faces per photo"]) == {1: 3, 2: 3}
    worker_ms = lines["CPU per photo"].removeprefix("worker ").split(" ms ")[0]
    assert float(worker_ms) > 5, lines  # at least a face's embedding
    assert "accepted          6 (202: 6, 201: 0)" in result.stdout
    assert Prediction.objects.filter(status=Prediction.Status.DONE).count() == 4 + 6


@pytest.mark.parametrize(
    ("faces", "why"),
    [
        ("one", "write it as LOW-HIGH, for example 1-3"),
        ("1-", "write it as LOW-HIGH, for example 1-3"),
        ("3-1", "LOW may not be more than HIGH"),
        ("1-101", "LOW-HIGH must be within 0-100"),
    ],
)
def test_it_refuses_a_face_range_it_cannot_read(sample_data, faces, why):
    result = loadtest("--faces", faces, "--photos", str(sample_data), timeout=30)

    assert result.returncode == 2
    assert why in result.stderr


def test_it_refuses_a_rate_for_form_requests(sample_data):
    result = loadtest(
        "--rate",
        "5",
        "--per-request",
        "5",
        "--photos",
        str(sample_data),
        timeout=30,
    )

    assert result.returncode == 2
    assert "--rate must be between 0 and 200, with --per-request 1" in result.stderr


BURN = "import time\nwhile time.process_time() < 0.3: pass\n"


def test_cpu_time_counts_a_process_its_live_children_and_those_it_reaped(script):
    """A parent that ran one child to its end and keeps another, started by a thread (whose
    children /proc lists under that thread): each burns 0.3 s of CPU."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import subprocess, sys, threading, time
                subprocess.run([sys.executable, "-c", {BURN!r}])
                kept = [sys.executable, "-c", {BURN + "time.sleep(60)"!r}]
                keeper = threading.Thread(target=subprocess.run, args=(kept,))
                keeper.start()
                exec({BURN!r})
                time.sleep(1)  # the kept child is done burning too
                print("ready", flush=True)
                keeper.join()
            """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout.readline() == "ready\n"
        seconds = script("loadtest").cpu_seconds(parent.pid)
    finally:
        subprocess.run(["pkill", "-P", str(parent.pid)])
        parent.kill()
        parent.wait()

    # 0.9 s, less up to two clock ticks per process that /proc truncates; one process missed
    # would leave 0.6 s.
    assert 0.8 <= seconds < 3, seconds


def test_photos_that_never_finish_hide_none_behind_them_that_did(script, monkeypatch):
    """The three oldest photos never finish; the three behind them did. Each round stops at
    the third still waiting, so the rounds never reach them: the last look, once the time is
    up, does."""
    loadtest = script("loadtest")
    never = {"a", "b", "c"}

    def site(url, **kwargs):
        prediction = url.rstrip("/").rsplit("/", 1)[1]
        if prediction in never:
            return 200, json.dumps({"status": "running"}).encode()
        result = {"status": "done", "finished_at": "2026-12-07T18:00:00Z", "faces": []}
        return 200, json.dumps(result).encode()

    monkeypatch.setattr(loadtest, "request", site)
    args = loadtest.arguments(["--count", "6", "--timeout", "1"])
    run = loadtest.LoadTest(args, [], deadline=time.monotonic() + 0.5)
    for upload, prediction in zip(run.uploads, "abcdef", strict=True):
        upload.prediction, upload.created_at = prediction, float(upload.number)
    run.sending = False

    run.poll()

    assert [upload.outcome for upload in run.uploads] == ["", "", "", "done", "done", "done"]
    assert run.polls == 3 + 6  # the first round's three, then the last look at all six
