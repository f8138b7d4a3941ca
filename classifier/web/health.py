"""The health check that container orchestrators and load balancers call."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For container health checks: the process answers and the database is reachable."""
    connection.ensure_connection()
    return HttpResponse("ok", content_type="text/plain")
