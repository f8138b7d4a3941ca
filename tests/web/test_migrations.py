"""The migrations: one squashed migration builds a new database, and a database built by the
migrations it replaces is up to date with it."""

from importlib import import_module

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


def test_a_dev_report_in_a_model_folder_moves_into_the_database(model_version, settings, tmp_path):
    """Versions evaluated before reports were kept in the database keep theirs."""
    from django.apps import apps

    step = import_module("classifier.migrations.0016_dev_report_in_storage")
    settings.ATHLETES_MODELS_DIR = tmp_path
    (tmp_path / model_version.path).mkdir()
    (tmp_path / model_version.path / "dev_evaluation.json").write_text('{"groups": []}')
    (tmp_path / model_version.path / "det_curve.png").write_bytes(b"\x89PNG curve")

    step.keep_local_dev_reports(apps, None)

    model_version.refresh_from_db()
    assert model_version.dev_report == {"groups": []}
    with model_version.dev_det_curve.open("rb") as curve:
        assert curve.read() == b"\x89PNG curve"
