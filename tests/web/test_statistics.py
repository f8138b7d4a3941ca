"""SQLite never gathers statistics for its query planner by itself; beat has them refreshed
every ten minutes (manage.py refresh_statistics). PostgreSQL's autovacuum keeps its own."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from classifier import task_names, tasks

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


def test_sqlite_learns_the_history_and_faces_as_they_grow(make_prediction):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's statistics")
    for _ in range(3):
        make_prediction()
    assert "classifier_prediction" not in planner_statistics()

    tasks.refresh_statistics()  # as beat runs it

    assert {"classifier_prediction", "classifier_face"} <= planner_statistics()
    assert refresh() == "SQLite's statistics refreshed.\n"


def test_postgresql_is_left_to_its_autovacuum(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")

    assert refresh() == "PostgreSQL's autovacuum keeps its statistics: nothing to do.\n"


def test_beat_refreshes_them_every_ten_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-statistics"]

    assert entry == {"task": task_names.REFRESH_STATISTICS, "schedule": 600.0}
