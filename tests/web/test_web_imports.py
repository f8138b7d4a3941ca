"""The web process never imports the worker's code or TensorFlow, so it starts fast and stays
small. The worker's parent process imports its tasks without TensorFlow, so it can fork; and so
can beat, which runs in the web image (requirements/web.txt, without the recognizer)."""

import json
import subprocess
import sys
from pathlib import Path

from classifier import task_names, tasks

ROOT = Path(__file__).resolve().parents[2]
RSS_LIMIT_MB = 150
# What only requirements/worker.txt installs, and the module that loads it.
HEAVY = ("tensorflow", "keras", "mtcnn", "ai_edge_litert", "sklearn", "ml.predictor")
WORKER_CODE = ("classifier.tasks", "classifier.worker.inference")

PROBE = """
import json, os, sys, time
started = time.perf_counter()
os.environ["DJANGO_SETTINGS_MODULE"] = "athletes_site.settings.test"
os.environ["ATHLETES_TEST_REDIS_URL"] = "memory://"
import django
django.setup()
{imports}


def peak_rss_kb():
    # VmHWM, not ru_maxrss: the latter counts the memory of the (large) test process that
    # forked this one.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


print(json.dumps({{
    "modules": sorted(sys.modules),
    "rss_mb": peak_rss_kb() / 1024,
    "seconds": time.perf_counter() - started,
}}))
"""

WEB = """
from django.urls import get_resolver
import athletes_site.urls, athletes_site.wsgi
import classifier.pages.photos, classifier.admin, classifier.api.views, classifier.uploads
from classifier.models import Prediction
get_resolver().url_patterns
Prediction().enqueue()  # sends the task by name to the in-memory broker
"""

WORKER_PARENT = """
from celery import current_app
current_app.loader.import_default_modules()  # what `celery worker` does before it forks
"""


def probe(imports: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(imports=imports)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_web_side_imports_no_worker_code_nor_tensorflow_and_stays_small():
    web = probe(WEB)

    print(f"web process: {web['rss_mb']:.0f} MB peak RSS, set up in {web['seconds']:.2f} s")
    assert [name for name in HEAVY + WORKER_CODE if name in web["modules"]] == []
    assert web["rss_mb"] < RSS_LIMIT_MB


def test_the_worker_parent_imports_its_tasks_but_no_tensorflow():
    parent = probe(WORKER_PARENT)

    assert "classifier.tasks" in parent["modules"]
    assert [name for name in HEAVY if name in parent["modules"]] == []


def test_every_task_runs_under_the_name_the_web_sends():
    """The web and beat send tasks by these names; a task registered under another name would
    leave its messages unconsumed."""
    assert (
        tasks.run_prediction.name == task_names.RUN_PREDICTION == "classifier.tasks.run_prediction"
    )
    assert tasks.train_model_version.name == task_names.TRAIN_MODEL_VERSION
    assert task_names.TRAIN_MODEL_VERSION == "classifier.tasks.train_model_version"
    assert tasks.detect_example_faces.name == task_names.DETECT_EXAMPLE_FACES
    assert task_names.DETECT_EXAMPLE_FACES == "classifier.tasks.detect_example_faces"
    assert tasks.import_roster.name == task_names.IMPORT_ROSTER == "classifier.tasks.import_roster"
    assert tasks.rerun_history.name == task_names.RERUN_HISTORY == "classifier.tasks.rerun_history"
    assert tasks.build_event_export.name == task_names.BUILD_EVENT_EXPORT
    assert task_names.BUILD_EVENT_EXPORT == "classifier.tasks.build_event_export"
    assert tasks.requeue_stale.name == task_names.REQUEUE_STALE == "classifier.tasks.requeue_stale"
    assert tasks.clear_expired_sessions.name == task_names.CLEAR_EXPIRED_SESSIONS
    assert task_names.CLEAR_EXPIRED_SESSIONS == "classifier.tasks.clear_expired_sessions"
    assert tasks.forget_bystanders.name == task_names.FORGET_BYSTANDERS
    assert task_names.FORGET_BYSTANDERS == "classifier.tasks.forget_bystanders"
    assert tasks.refresh_statistics.name == task_names.REFRESH_STATISTICS
    assert task_names.REFRESH_STATISTICS == "classifier.tasks.refresh_statistics"
