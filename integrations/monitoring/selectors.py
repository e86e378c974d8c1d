"""What the health endpoint, the metrics and the system check read: a few cheap queries each.

Every query here uses an index or a small table: the outbox's partial indexes (rows waiting or
needing someone, never the delivered history), django-q2's partial index on successful tasks,
the schedules by name.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_q.models import Schedule, Success

from integrations.models import (
    Integration,
    Issue,
    IssueKind,
    IssueStatus,
    OutboxRow,
    PossibleDuplicate,
    WebhookEndpoint,
)
from integrations.models.choices import Mode
from integrations.models.sync import OutboxStatus
from integrations.sync.schedules import PERIODIC, SWEEP
from mappings.models import LeadSourceMapping, StaffMapping
from mappings.selectors import QUEUE_STATUSES

OPEN_STATUSES = (OutboxStatus.HELD, OutboxStatus.SENDING, OutboxStatus.FAILED)
BLOCKING = (OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.SENDING, OutboxStatus.FAILED)


def schedules_missing() -> list[str] | None:
    """Names of the engine's periodic schedules that do not exist; None before `migrate`."""
    tables = connections[DEFAULT_DB_ALIAS].introspection.table_names()
    if Schedule._meta.db_table not in tables:
        return None
    wanted = [name for name, _, _ in PERIODIC]
    found = set(Schedule.objects.filter(name__in=wanted).values_list("name", flat=True))
    return [name for name in wanted if name not in found]


def worker_last_seen() -> dt.datetime | None:
    """When a worker last finished the every-minute outbox sweep (django-q2's result table).

    Scheduled tasks are saved whatever the broker (the group is the schedule's name), so this
    is a heartbeat of a worker that takes tasks, not just of a process that is up.
    """
    return (
        Success.objects.filter(group=SWEEP[0])
        .order_by("-stopped")
        .values_list("stopped", flat=True)
        .first()
    )


def _due(now: dt.datetime):
    """Pending rows a worker could claim now (the claim's rule, claim.py), of enabled ones."""
    earlier_open = OutboxRow.objects.filter(
        integration_id=OuterRef("integration_id"),
        record_id=OuterRef("record_id"),
        id__lt=OuterRef("id"),
        status__in=BLOCKING,
    )
    return (
        OutboxRow.objects.filter(status=OutboxStatus.PENDING, integration__enabled=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exclude(Exists(earlier_open))
    )


def outbox_oldest_due_seconds(*, now: dt.datetime | None = None) -> float:
    """How long the oldest claimable delivery has been due (0 when none is waiting).

    Rows are read in id order (the pending index) and the first one claimable is taken:
    ids follow creation, so it is the oldest one but for a retry come due again since.
    """
    now = now or timezone.now()
    due_since = (
        _due(now)
        .order_by("id")
        .annotate(since=Coalesce("next_attempt_at", "created_at"))
        .values_list("since", flat=True)
        .first()
    )
    return max((now - due_since).total_seconds(), 0.0) if due_since else 0.0


def transports(integration_ids: Iterable[int]) -> dict[int, str]:
    """Each integration's transport: 'api', 'webhook' (an active one) or 'feed' (delivery.py)."""
    active = WebhookEndpoint.objects.filter(integration=OuterRef("pk"), active=True)
    found = Integration.objects.filter(pk__in=list(integration_ids))
    rows = found.annotate(pushes=Exists(active)).values_list(
        "pk", "mode", "pushes"
    )
    return {
        pk: "api" if mode == Mode.API else "webhook" if pushes else "feed"
        for pk, mode, pushes in rows
    }


def outbox_open_counts() -> Counter[tuple[str, str]]:
    """{(transport, status): rows} for rows not yet delivered nor discarded.

    Two queries whose conditions are those of the outbox's two partial indexes.
    """
    rows = [
        row
        for condition in (Q(status=OutboxStatus.PENDING), Q(status__in=OPEN_STATUSES))
        for row in OutboxRow.objects.filter(condition)
        .values_list("integration_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    ]
    by_transport = transports({integration_id for integration_id, _, _ in rows})
    counts: Counter[tuple[str, str]] = Counter()
    for integration_id, status, n in rows:
        counts[(by_transport.get(integration_id, "feed"), status)] += n
    return counts


def outbox_due_count(*, now: dt.datetime | None = None) -> int:
    """Deliveries a worker could claim now: the queue's depth."""
    return _due(now or timezone.now()).count()


def _staff_queue() -> dict[str, int]:
    return _by_status(StaffMapping.objects.filter(status__in=QUEUE_STATUSES))


def _lead_source_queue() -> dict[str, int]:
    return _by_status(LeadSourceMapping.objects.filter(status__in=QUEUE_STATUSES))


def _people_queue() -> dict[str, int]:
    """Possible duplicates waiting for a person (product.md §3a)."""
    return _by_status(PossibleDuplicate.objects.filter(status="needs_review"))


def _by_status(queryset) -> dict[str, int]:
    rows = queryset.values_list("status").annotate(n=Count("id")).order_by()
    return dict(rows)


# What waits for a person, by queue: {status: count}; /metrics shows each as
# connector_review_queue{queue, status}. Issues have their own gauge, connector_issues{kind,
# status}.
REVIEW_QUEUES: dict[str, Callable[[], dict[str, int]]] = {
    "staff": _staff_queue,
    "lead_sources": _lead_source_queue,
    "people": _people_queue,
}


def review_queue_sizes() -> dict[str, dict[str, int]]:
    return {name: counts() for name, counts in REVIEW_QUEUES.items()}


def issue_counts() -> Counter[tuple[str, str]]:
    """{(kind, status): issues}, every kind and status present (0 when none): one grouped read
    of a small table (one row per cause)."""
    counts: Counter[tuple[str, str]] = Counter(
        {(kind, status): 0 for kind in IssueKind.values for status in IssueStatus.values})
    for kind, status, n in Issue.objects.values_list("kind", "status").annotate(
            n=Count("id")).order_by():
        counts[(kind, status)] = n
    return counts
