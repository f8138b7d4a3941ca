"""scripts/test_times.py, the report at the end of scripts/test: the slowest tests, the tests
that cost the most CPU, and each pass's figures, read from pytest's JUnit XML."""

import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" time="12.5" timestamp="2026-12-07T18:00:00.000000">
  <testcase classname="tests.web.test_a" name="test_waits" time="9.0">
    <properties><property name="cpu_seconds" value="0.40"/></properties></testcase>
  <testcase classname="tests.web.test_b" name="test_burns[phone]" time="3.0">
    <properties><property name="cpu_seconds" value="5.25"/></properties></testcase>
  <testcase classname="tests.ml.test_c" name="test_failed" time="0.5">
    <failure message="no"/></testcase>
</testsuite></testsuites>
"""


@pytest.fixture
def times(script):
    return script("test_times")


def test_it_ranks_the_tests_by_wall_time_and_by_cpu_time(times, tmp_path):
    junit = tmp_path / "sqlite.xml"
    junit.write_text(JUNIT)

    lines = times.report([times.read_pass("SQLite", junit)])

    cpu_at = lines.index("The 20 tests that cost the most CPU (theirs and their servers'):")
    assert lines[1] == "     9.00 s  SQLite  tests/web/test_a.py::test_waits"
    assert lines[cpu_at + 1] == "     5.25 s  SQLite  tests/web/test_b.py::test_burns[phone]"
    assert lines[cpu_at + 2] == "     0.40 s  SQLite  tests/web/test_a.py::test_waits"
    assert lines[cpu_at + 3] == "     0.00 s  SQLite  tests/ml/test_c.py::test_failed"
    assert (
        "SQLite: 2 passed, 1 failed in 12.5 s (sum of test durations 12.5 s, of their CPU 5.7 s)"
        in lines
    )
    assert lines[-1] == "Total: 2 passed, 1 failed"


def test_each_tests_cpu_time_reaches_the_junit_xml(times, tmp_path):
    junit = tmp_path / "run.xml"
    ranking = f"{__file__}::test_it_ranks_the_tests_by_wall_time_and_by_cpu_time"
    command = [sys.executable, "-m", "pytest", ranking, "-n", "0", f"--junitxml={junit}"]
    run = subprocess.run(
        [*command, "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    (test,) = times.read_pass("Run", junit).tests
    assert test.name.endswith("::test_it_ranks_the_tests_by_wall_time_and_by_cpu_time")
    assert ElementTree.parse(junit).find(".//property[@name='cpu_seconds']") is not None
