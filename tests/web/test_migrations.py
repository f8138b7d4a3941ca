"""The migrations: one squashed migration builds a new database, and a database built by the
migrations it replaces is up to date with it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db(transaction=True)

SQUASHED = "0001_squashed_0015_merge_example_faces_and_held_out_report"


def squashed_migration():
    return MigrationExecutor(connection).loader.disk_migrations[("classifier", SQUASHED)]


def test_a_database_built_by_the_replaced_migrations_needs_nothing_more():
    recorder = MigrationRecorder(connection)
    replaced = [name for app, name in squashed_migration().replaces]
    recorder.record_unapplied("classifier", SQUASHED)
    for name in replaced:
        recorder.record_applied("classifier", name)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())

        assert plan == []
        assert ("classifier", SQUASHED) in executor.loader.applied_migrations
    finally:
        for name in replaced:
            recorder.record_unapplied("classifier", name)
        recorder.record_applied("classifier", SQUASHED)


def test_it_replaces_every_migration_made_before_it():
    assert len(squashed_migration().replaces) == 22
