"""The web process never imports TensorFlow, so it starts fast and stays small."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RSS_LIMIT_MB = 150

PROBE = """
import json, os, sys, time
started = time.perf_counter()
os.environ["DJANGO_SETTINGS_MODULE"] = "athletes_site.settings.test"
import django
django.setup()
from django.urls import get_resolver
import athletes_site.urls, athletes_site.wsgi
import classifier.views, classifier.admin, classifier.api.views
import classifier.tasks, classifier.uploads
get_resolver().url_patterns


def peak_rss_kb():
    # VmHWM, not ru_maxrss: the latter counts the memory of the (large) test process that
    # forked this one.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


print(json.dumps({
    "heavy": sorted(m for m in ("tensorflow", "keras", "mtcnn") if m in sys.modules),
    "rss_mb": peak_rss_kb() / 1024,
    "seconds": time.perf_counter() - started,
}))
"""


def test_the_web_side_imports_no_tensorflow_and_stays_small():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )

    probe = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"web process: {probe['rss_mb']:.0f} MB peak RSS, set up in {probe['seconds']:.2f} s")
    assert probe["heavy"] == []
    assert probe["rss_mb"] < RSS_LIMIT_MB
