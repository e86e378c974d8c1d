"""The club's own time: every time on its pages is shown in its time zone (Client.time_zone)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def client_time_zone(get_response: Callable[[HttpRequest], HttpResponse]
                     ) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: a client user's requests render times in the club's zone; others in UTC."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        client = getattr(user, "client", None) if user is not None and user.is_authenticated \
            else None
        if client is not None:
            timezone.activate(client.zone)
        else:
            timezone.deactivate()
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware
