"""The test suite's figures, read from the JUnit XML that each pass of scripts/test writes: the
slowest 20 tests, the 20 that cost the most CPU, each pass's time beside the sum of its tests'
durations and CPU times, and the totals.

    python scripts/test_times.py SQLite=var/test-results/sqlite.xml PostgreSQL=var/...xml

A pass's time is its pytest session's wall time, and the test time runs from the first pass's
start to the last one's end (scripts/test runs its two passes at the same time); a test's
duration is its setup, call and teardown together. With tests in parallel the sum of durations
exceeds the wall time; on a busy machine both grow, and the sum is the figure to compare with
another machine's. A test's CPU time (tests/conftest.py records it) is its process's and its
servers', workers' and browser's: where the suite keeps the cores busy, as on two cores, that
is what a test takes from the others, while one that waits may look slow and cost little.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

SLOWEST = 20


@dataclass(frozen=True)
class Test:
    name: str
    seconds: float
    outcome: str  # passed, failed or skipped
    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class Pass:
    name: str
    started: datetime
    seconds: float
    tests: list[Test]

    @property
    def ended(self) -> datetime:
        return self.started + timedelta(seconds=self.seconds)

    def count(self, outcome: str) -> int:
        return sum(test.outcome == outcome for test in self.tests)

    @property
    def summed(self) -> float:
        return sum(test.seconds for test in self.tests)

    @property
    def cpu_seconds(self) -> float:
        return sum(test.cpu_seconds for test in self.tests)


def read_pass(name: str, junit_xml: Path) -> Pass:
    root = ElementTree.parse(junit_xml).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None, f"{junit_xml} has no testsuite"
    tests = [
        Test(node_id(case), float(case.get("time", 0)), outcome_of(case), cpu_seconds_of(case))
        for case in suite.iter("testcase")
    ]
    started = datetime.fromisoformat(suite.get("timestamp", ""))
    return Pass(name, started, float(suite.get("time", 0)), tests)


def node_id(case: ElementTree.Element) -> str:
    """pytest's name for the test: ``tests/web/test_x.py::Class::test_y[param]``."""
    parts = case.get("classname", "").split(".")
    module = next((n for n, part in enumerate(parts) if part.startswith("test_")), len(parts) - 1)
    path = "/".join(parts[: module + 1]) + ".py"
    return "::".join([path, *parts[module + 1 :], case.get("name", "")])


def cpu_seconds_of(case: ElementTree.Element) -> float:
    found = case.find("properties/property[@name='cpu_seconds']")
    return float(found.get("value", 0)) if found is not None else 0.0


def outcome_of(case: ElementTree.Element) -> str:
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    return "skipped" if case.find("skipped") is not None else "passed"


def counts(passed: int, failed: int, skipped: int) -> str:
    return f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")


def report(passes: list[Pass]) -> list[str]:
    width = max(len(run.name) for run in passes)
    timed = [(test, run.name) for run in passes for test in run.tests]
    lines = [f"The slowest {SLOWEST} tests (setup, call and teardown):"]
    for test, pass_name in sorted(timed, key=lambda pair: -pair[0].seconds)[:SLOWEST]:
        lines.append(f"  {test.seconds:7.2f} s  {pass_name:<{width}}  {test.name}")
    lines.append(f"The {SLOWEST} tests that cost the most CPU (theirs and their servers'):")
    for test, pass_name in sorted(timed, key=lambda pair: -pair[0].cpu_seconds)[:SLOWEST]:
        lines.append(f"  {test.cpu_seconds:7.2f} s  {pass_name:<{width}}  {test.name}")
    for run in passes:
        tally = counts(run.count("passed"), run.count("failed"), run.count("skipped"))
        lines.append(
            f"{run.name + ':':<{width + 1}} {tally} in {run.seconds:.1f} s"
            f" (sum of test durations {run.summed:.1f} s, of their CPU {run.cpu_seconds:.1f} s)"
        )
    total = (max(run.ended for run in passes) - min(run.started for run in passes)).total_seconds()
    summed = sum(run.summed for run in passes)
    lines.append(
        f"Test time: {total:.1f} s ({total / 60:.1f} min; sum of durations {summed:.1f} s)"
    )
    passed, failed, skipped = (
        sum(run.count(outcome) for run in passes) for outcome in ("passed", "failed", "skipped")
    )
    lines.append(f"Total: {counts(passed, failed, skipped)}")
    return lines


def main(arguments: list[str]) -> int:
    passes = []
    for argument in arguments:
        name, _, path = argument.partition("=")
        passes.append(read_pass(name, Path(path)))
    print("\n".join(report(passes)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
