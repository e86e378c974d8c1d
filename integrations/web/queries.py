"""What the client pages read, always scoped to one client."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from integrations.models import Client, Integration, IssueStatus, LogEntry
from integrations.sync.issues.selectors import deliveries_waiting, issues_of, ongoing_kinds
from integrations.sync.issues.words import IssueWords, issues_words
from integrations.web.health import (
    Chart,
    DayHealth,
    chart,
    delivery_counts,
    last_delivered_at,
    received_counts,
)
from integrations.web.option_words import counterpart_name, describe_flow
from integrations.web.sync_status import SyncStatus, sync_status
from mappings.models import MappingStatus, RemoteLeadSource, RemoteStaff


@dataclass(frozen=True)
class IntegrationSummary:
    integration: Integration
    flow: str
    chart: Chart
    received: int  # records the platform sent in the chart's 30 days
    last_sync_at: dt.datetime | None
    status: SyncStatus
    waiting: Counter[str]  # pending, held, failed

    @property
    def sends_only(self) -> bool:
        """A platform that only sends: its chart is what it sent, not "0 delivered"."""
        return not self.integration.receives


def client_integration(*, client: Client, pk: int) -> Integration:
    """One of the client's integrations; 404 for any other client's."""
    integrations = (
        Integration.objects.select_related("platform", "default_staff", "client")
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


def integration_summaries(*, client: Client, now: dt.datetime) -> list[IntegrationSummary]:
    """Every integration with its words, its status per direction, what waits, and its
    30-day health: a fixed number of queries however many integrations and deliveries."""
    integrations = list(
        Integration.objects.filter(client=client).select_related("platform").defer("credentials")
    )
    return summaries_of(integrations, client=client, now=now)


def summaries_of(integrations: list[Integration], *, client: Client, now: dt.datetime
                 ) -> list[IntegrationSummary]:
    primary = next((i for i in integrations if i.is_primary), None)
    if primary is None and integrations and not integrations[0].is_primary:
        primary = primary_integration(client=client)
    ids = [i.pk for i in integrations]
    today = timezone.localdate(now, client.zone)
    delivered = delivery_counts(integration_ids=ids, today=today, zone=client.zone)
    received = received_counts(integration_ids=ids, today=today)
    kinds = ongoing_kinds(integration_ids=ids)
    waiting = deliveries_waiting(integration_ids=ids)
    return [_summary(i, primary, delivered[i.pk], received[i.pk], kinds.get(i.pk, set()),
                     waiting[i.pk]) for i in integrations]


def _summary(integration: Integration, primary: Integration | None, delivered: list[DayHealth],
             received: list[DayHealth], kinds: set[str], waiting: Counter[str]
             ) -> IntegrationSummary:
    counterpart = counterpart_name(integration, primary)
    got = sum(day.delivered for day in received)
    return IntegrationSummary(
        integration=integration,
        flow=describe_flow(integration, counterpart),
        chart=chart(delivered if integration.receives else received),
        received=got,
        last_sync_at=_latest(integration.last_success_at, last_delivered_at(delivered),
                             last_delivered_at(received)),
        status=sync_status(integration=integration, counterpart=counterpart, kinds=kinds,
                           waiting=waiting, received=got),
        waiting=waiting,
    )


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
    *, client: Client, level: str = "", integration: Integration | None = None, text: str = "",
    since: dt.date | None = None, until: dt.date | None = None,
) -> QuerySet[LogEntry]:
    """The client's connector log, newest first: one type, one platform, lines containing a
    text, between two days (the club's days) — any of them."""
    entries = LogEntry.objects.filter(client=client).select_related("integration__platform")
    if level in LogEntry.Level.values:
        entries = entries.filter(level=level)
    if integration is not None:
        entries = entries.filter(integration=integration)
    if text:
        entries = entries.filter(Q(summary__icontains=text) | Q(detail__icontains=text))
    zone = client.zone
    if since is not None:
        entries = entries.filter(
            created_at__gte=dt.datetime.combine(since, dt.time(), tzinfo=zone))
    if until is not None:
        entries = entries.filter(
            created_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(),
                                               tzinfo=zone))
    return entries.order_by("-created_at", "-id")


@dataclass(frozen=True)
class IssueItem:
    """An issue on the club's pages: its words, where it is fixed, and its own page."""

    words: IssueWords
    fix_url: str
    url: str


_FIX = {"connection": ("integration-detail", "#connection"),
        "failed": ("integration-detail", "#failed"),
        "staff": ("staff-mappings", ""),
        "lead-sources": ("lead-source-mappings", "")}


def issue_items(*, client: Client, integration: Integration | None = None,
                status: str = IssueStatus.ONGOING, limit: int | None = None,
                now: dt.datetime | None = None) -> tuple[list[IssueItem], int]:
    """The club's issues (of one integration, or all), newest first, as the pages show them;
    with how many there are in all."""
    issues = issues_of(client_id=client.pk, status=status,
                       integration_id=integration.pk if integration else None)
    shown = list(issues[:limit] if limit else issues)
    total = len(shown) if limit is None or len(shown) < limit else issues.count()
    return [issue_item(words) for words in issues_words(shown, now=now)], total


def issue_item(words: IssueWords) -> IssueItem:
    issue = words.issue
    url = reverse("issue-detail", args=[issue.integration_id, issue.pk])
    if words.fix is None:
        return IssueItem(words, "", url)
    name, anchor = _FIX[words.fix[0]]
    return IssueItem(words, reverse(name, args=[words.fix[1]]) + anchor, url)
