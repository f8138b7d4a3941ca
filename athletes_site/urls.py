"""Top-level URLs: the site, the API and its docs, the admin, and stored images."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from classifier.web.media import media

urlpatterns = [
    path("", include("classifier.urls")),
    path("api/", include("classifier.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media, name="media"),
]

handler400 = "classifier.web.errors.bad_request"
