"""The support home (the admin's index): across clients, what needs a person, each a link to
the admin list that shows it. A fixed number of grouped queries, whatever the tables' sizes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from integrations.models import Client, Issue, IssueKind, IssueStatus, OutboxRow
from integrations.models.sync import OutboxStatus
from integrations.monitoring.selectors import outbox_oldest_due_seconds
from mappings.models import LeadSourceMapping, MappingStatus, StaffMapping
from mappings.selectors import QUEUE_STATUSES


@dataclass(frozen=True)
class Need:
    """One thing that waits for a person: how many, and where to see them."""

    label: str
    count: int
    url: str


@dataclass
class ClientNeeds:
    client: Client
    counts: dict[str, int] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)


def _url(name: str, **filters: Any) -> str:
    query = urlencode({k: v for k, v in filters.items() if v is not None})
    return reverse(f"admin:{name}") + (f"?{query}" if query else "")


def support_home() -> dict[str, Any]:
    """What the support home shows: the needs across clients, and per client."""
    issues = dict(Issue.objects.filter(status=IssueStatus.ONGOING).values_list("kind")
                  .annotate(n=Count("id")).order_by())
    deliveries = dict(OutboxRow.objects.filter(status__in=[OutboxStatus.FAILED,
                                                           OutboxStatus.HELD])
                      .values_list("status").annotate(n=Count("id")).order_by())
    staff = dict(StaffMapping.objects.filter(status__in=QUEUE_STATUSES)
                 .exclude(integration__is_primary=True)
                 .values_list("status").annotate(n=Count("id")).order_by())
    sources = dict(LeadSourceMapping.objects.filter(status__in=QUEUE_STATUSES)
                   .values_list("status").annotate(n=Count("id")).order_by())
    needs = [
        *[Need(f"Staff to review: {status.replace('_', ' ')}", staff.get(status, 0),
               _url("mappings_staffreview_changelist", status__exact=status))
          for status in QUEUE_STATUSES],
        *[Need(f"Lead sources to review: {status.replace('_', ' ')}", sources.get(status, 0),
               _url("mappings_leadsourcereview_changelist", status__exact=status))
          for status in QUEUE_STATUSES],
        Need("Open issues", sum(issues.values()),
             _url("integrations_issue_changelist", status__exact=IssueStatus.ONGOING)),
        Need("Failed deliveries", deliveries.get(OutboxStatus.FAILED, 0),
             _url("integrations_outboxrow_changelist", status__exact=OutboxStatus.FAILED)),
        Need("Held deliveries", deliveries.get(OutboxStatus.HELD, 0),
             _url("integrations_outboxrow_changelist", status__exact=OutboxStatus.HELD)),
    ]
    by_kind = [Need(IssueKind(kind).label, n, _url("integrations_issue_changelist",
                                                   status__exact=IssueStatus.ONGOING,
                                                   kind__exact=kind))
               for kind, n in sorted(issues.items(), key=lambda item: -item[1])]
    oldest = outbox_oldest_due_seconds()
    return {
        "needs": needs,
        "issues_by_kind": by_kind,
        "oldest_pending": _age_words(oldest) if oldest else "",
        "oldest_pending_url": _url("integrations_outboxrow_changelist",
                                   status__exact=OutboxStatus.PENDING, o="1"),
        "clients_needing": _clients_needing(),
    }


def _clients_needing() -> list[ClientNeeds]:
    """Clients with something waiting for a person, the most first (four grouped queries)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    grouped = {
        "issues": Issue.objects.filter(status=IssueStatus.ONGOING)
        .values_list("client_id"),
        "failed": OutboxRow.objects.filter(status=OutboxStatus.FAILED)
        .values_list("integration__client_id"),
        "held": OutboxRow.objects.filter(status=OutboxStatus.HELD)
        .values_list("integration__client_id"),
        "review": StaffMapping.objects.filter(status=MappingStatus.NEEDS_REVIEW)
        .exclude(integration__is_primary=True).values_list("integration__client_id"),
    }
    for name, query in grouped.items():
        for client_id, n in query.annotate(n=Count("id")).order_by():
            counts[client_id][name] = n
    clients = Client.objects.in_bulk(list(counts))
    rows = []
    for client_id, found in counts.items():
        if client_id not in clients:
            continue
        rows.append(ClientNeeds(clients[client_id], found, {
            "issues": _url("integrations_issue_changelist", status__exact=IssueStatus.ONGOING,
                           client=client_id),
            "failed": _url("integrations_outboxrow_changelist",
                           status__exact=OutboxStatus.FAILED, client=client_id),
            "held": _url("integrations_outboxrow_changelist",
                         status__exact=OutboxStatus.HELD, client=client_id),
            "review": _url("mappings_staffreview_changelist", client=client_id,
                           status__exact=MappingStatus.NEEDS_REVIEW),
        }))
    return sorted(rows, key=lambda row: (-sum(row.counts.values()), row.client.name))[:50]


def _age_words(seconds: float) -> str:
    """'45 seconds', '12 minutes', '3 hours', '2 days'."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            n = int(seconds // size)
            return f"{n} {unit}s"
    n = int(seconds)
    return f"{n} second{'' if n == 1 else 's'}"
