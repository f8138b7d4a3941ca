"""tests/process_cpu.py counts the CPU of a test's process and of everything it started, running
or ended: the figure scripts/test ranks the tests by."""

import subprocess
import sys
import textwrap

from tests.process_cpu import family_cpu_seconds

SPIN_SECONDS = 0.5
# Spends SPIN_SECONDS of CPU, says so, then waits to be stopped.
SPINNER = textwrap.dedent(f"""
    import time
    end = time.process_time() + {SPIN_SECONDS}
    while time.process_time() < end:
        pass
    print("spun", flush=True)
    time.sleep(60)
""")


def spin(command: list[str]) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "spun\n"
    return process


def test_a_child_counts_while_it_runs_and_after_it_ended():
    before = family_cpu_seconds()
    child = spin([sys.executable, "-c", SPINNER])
    try:
        running = family_cpu_seconds() - before
    finally:
        child.kill()
        child.wait()

    assert running >= SPIN_SECONDS * 0.9
    assert family_cpu_seconds() - before >= running  # the ended child's time, now ours


def test_a_grandchild_started_by_a_child_counts_too():
    before = family_cpu_seconds()
    shell = spin(["bash", "-c", f'{sys.executable} -c "$0" & wait', SPINNER])
    try:
        spent = family_cpu_seconds() - before
    finally:
        subprocess.run(["pkill", "-KILL", "-P", str(shell.pid)], check=False)
        shell.wait()

    assert spent >= SPIN_SECONDS * 0.9


def test_a_process_that_is_gone_counts_nothing():
    gone = subprocess.Popen(["true"])
    gone.wait()

    assert family_cpu_seconds(gone.pid) == 0.0
