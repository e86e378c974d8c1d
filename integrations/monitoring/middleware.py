"""Counting the partner API's answers by status (connector_api_responses_total)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from integrations.monitoring.metrics import API_ANSWERS


def api_answers_counted(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.path_info.startswith("/api/"):
            API_ANSWERS.labels(str(response.status_code)).inc()
        return response

    return middleware
