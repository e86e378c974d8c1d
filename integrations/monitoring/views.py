"""The operators' endpoints: GET /healthz (open) and GET /metrics (bearer token)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from integrations.monitoring.health import DOWN, health_report
from integrations.monitoring.metrics import metrics_text


@require_GET
@never_cache
def health_view(request: HttpRequest) -> JsonResponse:
    """200 when ok or degraded, 503 when down; statuses and ages only, never a secret."""
    report = health_report()
    return JsonResponse(report, status=503 if report["status"] == DOWN else 200)


@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """404 while CONNECTOR_METRICS_TOKEN is unset, 401 without the right bearer token."""
    token = settings.CONNECTOR_METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return HttpResponse(
            "A bearer token is required.\n", status=401, content_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
