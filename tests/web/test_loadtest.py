"""scripts/loadtest.py, small: concurrent uploads to the live server with a real worker, one per
API request and several per form request, all accepted and completed, none an error, each one
new to the site."""

import subprocess
import sys

import pytest

from classifier.models import Prediction
from tests.web.processes import ROOT

pytestmark = pytest.mark.integration

SCRIPT = ROOT / "scripts" / "loadtest.py"
COUNT = 20


def test_twenty_concurrent_uploads_are_all_accepted_and_completed(
    live_server, active_model, worker, sample_data
):
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--url",
            live_server.url,
            "--count",
            str(COUNT),
            "--concurrency",
            "10",
            "--photos",
            str(sample_data),
            "--timeout",
            "150",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=200,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"accepted          {COUNT} (202: {COUNT}, 201: 0)" in lines
    assert f"completed         {COUNT}" in lines
    assert any(line.startswith("errors            0 ") for line in lines)
    assert any(line.startswith("upload to result  p50 ") for line in lines)
    predictions = Prediction.objects.all()
    assert predictions.count() == COUNT
    assert set(predictions.values_list("status", flat=True)) == {Prediction.Status.DONE}
    assert predictions.values("sha256").distinct().count() == COUNT
    assert set(predictions.values_list("attempts", flat=True)) == {1}


def test_photos_sent_several_per_form_request_are_all_accepted_and_completed(
    live_server, active_model, worker, sample_data
):
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--url",
            live_server.url,
            "--count",
            "10",
            "--per-request",
            "5",
            "--concurrency",
            "2",
            "--photos",
            str(sample_data),
            "--timeout",
            "150",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=200,
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


def test_it_refuses_an_address_that_is_not_this_machine(sample_data):
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--url",
            "http://192.0.2.1:8000",
            "--photos",
            str(sample_data),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "--url must be on this machine" in result.stderr
