"""Client pages: each view shows the signed-in user's own client only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integrations.selectors import integrations_for_client


@login_required
def integration_list(request: HttpRequest) -> HttpResponse:
    client = request.user.client
    integrations = integrations_for_client(client=client) if client else []
    return render(
        request, "web/integration_list.html", {"client": client, "integrations": integrations}
    )
