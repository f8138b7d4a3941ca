"""Settings for running on one machine (the default): static files from the source.

Debug pages stay off unless asked for with ``DEBUG=1`` (``scripts/run --dev``); the secret key is
this installation's own (``var/secret_key``), unless ``SECRET_KEY`` is set.
"""

import os
import secrets
from pathlib import Path

from athletes_site.settings.base import *  # noqa: F403
from athletes_site.settings.base import DEBUG, SECRET_KEY, VAR_DIR


def install_secret_key(path: Path) -> str:
    """This installation's own random key, made once and kept in ``path`` (never committed), so
    a site served without ``SECRET_KEY`` still signs sessions with a key nobody else knows."""
    path.parent.mkdir(exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = SECRET_KEY or install_secret_key(VAR_DIR / "secret_key")
# Serve static files straight from static/ and the apps, even before collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
