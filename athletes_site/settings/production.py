"""Settings for production: every secret from the environment, HTTPS, hashed static files.

Refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``; with them,
``manage.py check --deploy`` reports nothing.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from athletes_site.settings.base import *  # noqa: F403
from athletes_site.settings.base import STORAGES, env_bool, env_int, env_list

for _name in ("SECRET_KEY", "ALLOWED_HOSTS"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"Set the {_name} environment variable for production.")

SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
DEBUG = False

# TLS ends at a proxy that sets X-Forwarded-Proto. Django does not read that header itself (as
# SECURE_PROXY_SSL_HEADER would, from any client): gunicorn turns it into the request's scheme
# only for connections from its --forwarded-allow-ips (FORWARDED_ALLOW_IPS, default 127.0.0.1).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The container health check calls /healthz/ over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
