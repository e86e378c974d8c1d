"""What the pages, the admin and the emails read about issues: a few grouped queries."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db.models import Count, QuerySet

from integrations.models import Issue, IssueStatus, OutboxRow
from integrations.models.sync import OutboxStatus

OPEN = (OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.FAILED)


def issues_of(*, client_id: str | None = None, status: str = IssueStatus.ONGOING,
              integration_id: int | None = None) -> QuerySet[Issue]:
    """Issues newest first (one client's, or every client's), with what their words need."""
    issues = Issue.objects.filter(status=status).select_related(
        "integration__platform", "client")
    if client_id is not None:
        issues = issues.filter(client_id=client_id)
    if integration_id is not None:
        issues = issues.filter(integration_id=integration_id)
    return issues.order_by("-last_seen_at", "-id")


def ongoing_kinds(*, integration_ids: Iterable[int]) -> dict[int, set[str]]:
    """{integration id: the kinds of its ongoing issues}: one query."""
    kinds: dict[int, set[str]] = defaultdict(set)
    for integration_id, kind in Issue.objects.filter(
        integration_id__in=list(integration_ids), status=IssueStatus.ONGOING
    ).values_list("integration_id", "kind").order_by().distinct():
        kinds[integration_id].add(kind)
    return dict(kinds)


def deliveries_waiting(*, integration_ids: Iterable[int]) -> dict[int, Counter[str]]:
    """{integration id: {pending, held, failed: rows}}: rows not delivered yet, read through
    the outbox's partial indexes (pending; held and failed), never the delivered history."""
    ids = list(integration_ids)
    counts: dict[int, Counter[str]] = {pk: Counter() for pk in ids}
    for statuses in ((OutboxStatus.PENDING,), (OutboxStatus.HELD, OutboxStatus.FAILED)):
        for integration_id, status, n in (
            OutboxRow.objects.filter(integration_id__in=ids, status__in=statuses)
            .values_list("integration_id", "status").annotate(n=Count("id")).order_by()
        ):
            counts[integration_id][status] = n
    return counts
