"""SQLite never gathers statistics for its query planner by itself; on SQLite, beat has them
refreshed every ten minutes (manage.py refresh_statistics), by a bounded pass. PostgreSQL's
autovacuum keeps its own."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from classifier import task_names, tasks
from classifier.management.commands.refresh_statistics import ANALYSIS_LIMIT

pytestmark = pytest.mark.db_engine  # SQLite's ANALYZE, or nothing on PostgreSQL


def refresh() -> str:
    out = io.StringIO()
    call_command("refresh_statistics", stdout=out)
    return out.getvalue()


def planner_statistics() -> set[str]:
    """The tables SQLite's planner has statistics for."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {table for (table,) in cursor.fetchall()}


def test_sqlite_gets_statistics_for_the_history_and_its_faces(make_prediction):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's statistics")
    for _ in range(3):
        make_prediction()
    assert "classifier_prediction" not in planner_statistics()

    tasks.refresh_statistics()  # as beat runs it

    assert {"classifier_prediction", "classifier_face"} <= planner_statistics()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit")
        assert cursor.fetchone() == (ANALYSIS_LIMIT,)  # bounded, however big the history
    assert refresh() == "SQLite's statistics refreshed.\n"


def test_postgresql_is_left_to_its_autovacuum(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")

    assert refresh() == "PostgreSQL's autovacuum keeps its statistics: nothing to do.\n"


def test_beat_refreshes_them_every_ten_minutes_on_sqlite_alone():
    scheduled = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == task_names.REFRESH_STATISTICS
    ]

    if connection.vendor == "sqlite":
        assert scheduled == [{"task": task_names.REFRESH_STATISTICS, "schedule": 600.0}]
    else:
        assert scheduled == []
