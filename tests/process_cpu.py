"""The CPU time a process and everything under it spent, read from Linux's /proc: what each
test costs the others on a machine whose cores the suite keeps busy (scripts/test's report).

A test's own process does only part of its work: the session's Celery worker, web server and
Chromium are its children. Their time counts while they run, and once they end it is in the
parent's time of ended children, which Linux adds when the parent waits for them. Servers
outside the tree (PostgreSQL, Redis) are not counted."""

import os
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def family_cpu_seconds(pid: int | None = None) -> float:
    """User and system time of ``pid`` (this process by default), of every process under it,
    and of the ended children they waited for; 0.0 where /proc does not tell."""
    ticks, stack, seen = 0, [pid or os.getpid()], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            ticks += _ticks(current)
            stack.extend(_children(current))
        except OSError:  # ended while being read
            continue
    return ticks / TICKS_PER_SECOND


def _ticks(pid: int) -> int:
    """utime + stime + cutime + cstime: the fields after the command's name in /proc/PID/stat
    (which may itself hold spaces and parentheses)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return sum(int(value) for value in fields[11:15])


def _children(pid: int) -> list[int]:
    """The children of every thread of ``pid``: a thread that started a process is its parent."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:  # the thread ended
            continue
    return children
