"""What the client pages read, always scoped to one client."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Count, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from integrations.models import Client, Integration, LogEntry
from integrations.web.health import Chart, chart, delivery_counts, last_delivered_at
from integrations.web.option_words import counterpart_name, describe_flow
from mappings.models import MappingStatus, RemoteLeadSource, RemoteStaff


@dataclass(frozen=True)
class IntegrationSummary:
    integration: Integration
    flow: str
    errors_24h: int
    chart: Chart
    last_sync_at: dt.datetime | None


def client_integration(*, client: Client, pk: int) -> Integration:
    """One of the client's integrations; 404 for any other client's."""
    integrations = (
        Integration.objects.select_related("platform", "default_staff")
        # The secret is decrypted only where it is used (the connection test), so a page
        # never fails on it, and the page learns only whether one is saved.
        .defer("credentials")
        .annotate(
            has_credentials=Case(
                When(credentials="", then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
    )
    return get_object_or_404(integrations, pk=pk, client=client)


def primary_integration(*, client: Client) -> Integration | None:
    return (
        Integration.objects.select_related("platform")
        .filter(client=client, is_primary=True)
        .first()
    )


def integration_flow(*, integration: Integration) -> str:
    primary = primary_integration(client=integration.client)
    return describe_flow(integration, counterpart_name(integration, primary))


def recent_errors(*, client: Client, now: dt.datetime) -> Counter[int | None]:
    rows = (
        LogEntry.objects.filter(
            client=client, level=LogEntry.Level.ERROR, created_at__gte=now - dt.timedelta(hours=24)
        )
        .values_list("integration_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter(dict(rows))


def integration_summaries(
    *, client: Client, now: dt.datetime
) -> tuple[list[IntegrationSummary], int]:
    """Every integration with its words, recent errors and 30-day health; all recent errors."""
    integrations = list(
        Integration.objects.filter(client=client).select_related("platform").defer("credentials")
    )
    primary = next((i for i in integrations if i.is_primary), None)
    errors = recent_errors(client=client, now=now)
    health = delivery_counts(integration_ids=[i.pk for i in integrations], today=now.date())
    summaries = [
        IntegrationSummary(
            integration=i,
            flow=describe_flow(i, counterpart_name(i, primary)),
            errors_24h=errors.get(i.pk, 0),
            chart=chart(health[i.pk]),
            last_sync_at=_latest(i.last_success_at, last_delivered_at(health[i.pk])),
        )
        for i in integrations
    ]
    return summaries, sum(errors.values())


def _latest(*moments: dt.datetime | None) -> dt.datetime | None:
    return max((m for m in moments if m), default=None)


@dataclass(frozen=True)
class MappingRow:
    remote: object
    status: str
    status_label: str
    counterpart: object | None
    suggestion: object | None
    reason: str


STATUS_LABELS = {
    MappingStatus.MATCHED: "matched",
    MappingStatus.NEEDS_REVIEW: "needs review",
    MappingStatus.UNMATCHED: "unmatched",
    MappingStatus.NO_COUNTERPART: "no counterpart",
}


def _row(remote: object, mapping: Any, target: str) -> MappingRow:
    status = mapping.status if mapping else MappingStatus.UNMATCHED
    return MappingRow(
        remote=remote,
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        counterpart=getattr(mapping, target, None),
        suggestion=mapping.suggestion if mapping and status == MappingStatus.NEEDS_REVIEW else None,
        reason=mapping.reason if mapping else "",
    )


def _mapping_of(remote: RemoteStaff | RemoteLeadSource) -> object | None:
    try:
        return remote.mapping
    except (
        RemoteStaff.mapping.RelatedObjectDoesNotExist,
        RemoteLeadSource.mapping.RelatedObjectDoesNotExist,
    ):
        return None


def staff_mapping_rows(*, integration: Integration) -> list[MappingRow]:
    remotes: QuerySet[RemoteStaff] = RemoteStaff.objects.filter(
        integration=integration
    ).select_related("mapping__person", "mapping__suggestion")
    return [_row(r, _mapping_of(r), "person") for r in remotes]


def lead_source_mapping_rows(*, integration: Integration) -> list[MappingRow]:
    remotes = RemoteLeadSource.objects.filter(integration=integration).select_related(
        "mapping__lead_source", "mapping__suggestion"
    )
    return [_row(r, _mapping_of(r), "lead_source") for r in remotes]


def status_counts(rows: list[MappingRow]) -> dict[str, int]:
    counts = Counter(row.status_label for row in rows)
    return {label: counts.get(label, 0) for label in STATUS_LABELS.values() if counts.get(label)}


def log_entries(
    *, client: Client, level: str = "", integration: Integration | None = None
) -> QuerySet[LogEntry]:
    """The client's connector log, newest first, optionally one type or one platform only."""
    entries = LogEntry.objects.filter(client=client).select_related("integration__platform")
    if level in LogEntry.Level.values:
        entries = entries.filter(level=level)
    if integration is not None:
        entries = entries.filter(integration=integration)
    return entries.order_by("-created_at", "-id")
