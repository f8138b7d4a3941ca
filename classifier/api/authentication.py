"""API authentication: a browser session is checked for CSRF whether or not anyone signed in."""

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from classifier.uploads import from_browser


class BrowserSessionAuthentication(SessionAuthentication):
    """DRF's session authentication checks CSRF only for signed-in users. An anonymous request
    that brings the site's cookies acts for its browser session too (its uploads join that
    session's history, and it may delete them), so it must pass the same CSRF and Origin checks;
    otherwise any other site could make a visitor's browser upload or delete. Requests without
    cookies (curl, scripts) act for no session and need no token."""

    def authenticate(self, request: Request):
        signed_in = super().authenticate(request)
        if signed_in is None and from_browser(request):
            self.enforce_csrf(request)
        return signed_in


class BrowserSessionScheme(SessionScheme):
    """The schema documents it as DRF's own: the session cookie."""

    target_class = "classifier.api.authentication.BrowserSessionAuthentication"
