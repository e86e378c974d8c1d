"""The Connector's URLs: support admin, client pages, partner API, health and metrics."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from integrations.monitoring.views import health_view, metrics_view

urlpatterns = [
    path("healthz", health_view, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("integrations.api.urls")),
    path("", include("integrations.web.urls")),
]
