"""Training, re-runs and roster imports go to a queue of their own, which a worker of its own
consumes (scripts/run, docker-compose.yml), so a photo never waits behind them."""

import configparser
import re
from pathlib import Path

import yaml
from celery import current_app

from classifier import task_names

ROOT = Path(__file__).resolve().parents[2]
LONG_TASKS = (
    task_names.TRAIN_MODEL_VERSION, task_names.RERUN_HISTORY, task_names.IMPORT_ROSTER,
    task_names.BUILD_EVENT_EXPORT,
)  # fmt: skip


def queue_of(name: str) -> str:
    return current_app.amqp.router.route({}, name)["queue"].name


def test_long_tasks_go_to_the_training_queue_and_photos_to_the_default_one(settings):
    assert {queue_of(name) for name in LONG_TASKS} == {settings.ATHLETES_TRAINING_QUEUE}
    assert queue_of(task_names.RUN_PREDICTION) == settings.CELERY_TASK_DEFAULT_QUEUE
    assert queue_of(task_names.DETECT_EXAMPLE_FACES) == settings.CELERY_TASK_DEFAULT_QUEUE


def queues_of(command: str) -> str:
    """What ``celery worker --queues`` names in a command line; every queue without it."""
    found = re.search(r"--queues[ =](\S+)", command)
    return found.group(1) if found else "every queue"


def test_scripts_run_and_compose_each_start_a_photo_worker_and_a_training_worker(settings):
    wanted = sorted([settings.CELERY_TASK_DEFAULT_QUEUE, settings.ATHLETES_TRAINING_QUEUE])
    config = configparser.RawConfigParser()
    config.read(ROOT / "scripts" / "supervisord.conf")
    supervised = [
        queues_of(config[section]["command"])
        for section in config.sections()
        if " worker " in config[section].get("command", "")
    ]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    composed = [
        queues_of(" ".join(service["command"]))
        for service in compose.values()
        if "worker" in service.get("command", [])
    ]

    assert sorted(supervised) == wanted
    assert sorted(composed) == wanted
