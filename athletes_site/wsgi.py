"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from classifier.web.memory import freeze_after_first_request

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "athletes_site.settings.local")

application = get_wsgi_application()
freeze_after_first_request()
