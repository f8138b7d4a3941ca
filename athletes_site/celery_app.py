"""The Celery app. Configuration comes from Django settings (``CELERY_*``).

Tasks live in ``classifier/tasks.py``; its docstring explains the worker pool choice.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "athletes_site.settings.local")

app = Celery("athletes")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
