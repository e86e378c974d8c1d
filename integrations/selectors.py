"""Read-side queries shared by the client pages, the admin and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from integrations.models import Client, Integration


def integrations_for_client(*, client: Client) -> QuerySet[Integration]:
    return Integration.objects.filter(client=client).select_related("platform")
