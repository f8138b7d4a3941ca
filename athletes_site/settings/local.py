"""Settings for running on one machine (the default): static files from the source.

Debug pages stay off unless asked for with ``DEBUG=1`` (``scripts/run --dev``); the secret key is
this installation's own (``var/secret_key``), unless ``SECRET_KEY`` is set.
"""

from athletes_site.settings.base import *  # noqa: F403
from athletes_site.settings.base import DEBUG

# Serve static files straight from static/ and the apps, even before collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
