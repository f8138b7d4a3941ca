"""The upload rate limit, shared by the API and the HTML form."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class UploadThrottle(SimpleRateThrottle):
    """``ATHLETES_UPLOAD_RATE`` uploads per client address (or per user); staff are exempt."""

    scope = "uploads"

    def get_rate(self) -> str:
        return settings.ATHLETES_UPLOAD_RATE

    def get_cache_key(self, request, view) -> str | None:
        user = request.user
        if user.is_staff:
            return None
        ident = user.pk if user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
