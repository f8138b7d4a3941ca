"""Settings for running on one machine (the default): debug on, static files from the source."""

from athletes_site.settings.base import *  # noqa: F403
from athletes_site.settings.base import env_bool

DEBUG = env_bool("DEBUG", True)
# Serve static files straight from static/ and the apps, even before collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
