"""Keeping history only as long as promised (issue 19): pruning, in small batches.

Delivered (discarded, superseded) outbox rows and their change snapshots are kept as long as the
feed promises events (`CONNECTOR_FEED_RETENTION_DAYS`, 30), sync runs (and delivery attempts),
connector-log lines and audit rows as long as their own settings say. Rows still waiting
(pending, held, sending, failed) are never pruned, nor the changes they refer to.

Every table is pruned oldest first, a window of ids at a time, each window its own short
transaction: the rows pruned are months older than anything ingest writes, so pruning never
waits for ingest and ingest never waits for it. The windows step forward from the oldest row:
each starts at the first row past the previous one (one look-up in the primary key's index, so
gaps cost nothing), and a table is done when that row is newer than its cut-off: ids grow with
time, so every row after it is newer too.
A feed partner whose cursor is older than what was pruned is told so (`FeedRetention`, 410).
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from integrations.db.retention import changes_delete
from integrations.models import (
    AuditEntry,
    Change,
    DeliveryAttempt,
    FeedRetention,
    LogEntry,
    OutboxRow,
    SyncRun,
)
from integrations.models.sync import OutboxStatus

PRUNABLE = (OutboxStatus.DELIVERED, OutboxStatus.DISCARDED, OutboxStatus.SUPERSEDED)
WINDOW = 5000  # ids per transaction
# After each window the pruner rests as long again: at most half a core, so a backlog of
# millions of rows takes minutes, not the ingest's CPU (benchmarks/retention_prune.py).
REST = 1.0


def retention_days() -> dict[str, int]:
    return {
        "outbox": settings.CONNECTOR_FEED_RETENTION_DAYS,
        "sync_runs": settings.CONNECTOR_SYNC_RUN_RETENTION_DAYS,
        # A delivery's attempts, as long as the runs: its journey outlives the feed's promise.
        "attempts": settings.CONNECTOR_SYNC_RUN_RETENTION_DAYS,
        "log": settings.CONNECTOR_LOG_RETENTION_DAYS,
        "audit": settings.CONNECTOR_AUDIT_RETENTION_DAYS,
    }


def history_prune(
    *,
    now: dt.datetime | None = None,
    budget_seconds: float = 50.0,
    window: int = WINDOW,
    rest: float = REST,
) -> dict[str, int]:
    """Prune what is older than its retention, until done or the time budget is spent (the
    schedule runs it again); returns how many rows of each table went."""
    now = now or timezone.now()
    days = retention_days()
    deadline = time.monotonic() + budget_seconds
    pace = functools.partial(_windows, deadline=deadline, window=window, rest=rest)
    counts = {"outbox": 0, "changes": 0, "sync_runs": 0, "attempts": 0, "log": 0, "audit": 0}
    feed_cutoff = now - dt.timedelta(days=days["outbox"])
    counts["outbox"] = pace(
        OutboxRow, feed_cutoff, functools.partial(_outbox_window_prune, before=feed_cutoff)
    )
    keep = _changes_still_referred_to()
    counts["changes"] = pace(
        Change, feed_cutoff,
        lambda lo, hi: changes_delete(first_id=lo, end_id=hi, before=feed_cutoff, keep=keep),
    )
    for name, model, field in (
        ("sync_runs", SyncRun, "started_at"),
        ("attempts", DeliveryAttempt, "at"),
        ("log", LogEntry, "created_at"),
        ("audit", AuditEntry, "created_at"),
    ):
        cutoff = now - dt.timedelta(days=days[name])
        prune = functools.partial(_rows_prune, model, field=field, before=cutoff)
        counts[name] = pace(model, cutoff, prune, field=field)
    return counts


def _rows_prune(
    model: type[models.Model], lo: int, hi: int, *, field: str, before: dt.datetime
) -> int:
    """The rows of one window made before `before` (nothing refers to these tables)."""
    return model._base_manager.filter(id__gte=lo, id__lt=hi, **{f"{field}__lt": before}).delete()[0]


def _changes_still_referred_to() -> set[int]:
    """The changes of the rows pruning keeps: two reads, each through the partial index of
    its statuses (a `NOT IN` on status would read the whole outbox)."""
    waiting = OutboxRow.objects.filter(status=OutboxStatus.PENDING)
    stuck = OutboxRow.objects.filter(
        status__in=[OutboxStatus.HELD, OutboxStatus.SENDING, OutboxStatus.FAILED]
    )
    return {
        *waiting.values_list("change_id", flat=True),
        *stuck.values_list("change_id", flat=True),
    }


def _windows(
    model: type[models.Model],
    cutoff: dt.datetime,
    prune: Callable[[int, int], int],
    *,
    deadline: float,
    window: int,
    rest: float,
    field: str = "created_at",
) -> int:
    """Run `prune(lo, hi)` over windows of ids, oldest first, until the first row left is
    newer than the cut-off (ids grow with time) or the time budget is spent; after each
    window, rest `rest` times as long as it took."""
    pruned, start = 0, 0
    while time.monotonic() < deadline:
        began = time.monotonic()
        first = (
            model._base_manager.filter(id__gte=start)
            .order_by("id")
            .values_list("id", field)
            .first()
        )
        if first is None or first[1] >= cutoff:
            break
        start = first[0]
        with transaction.atomic():
            pruned += prune(start, start + window)
        start += window
        time.sleep((time.monotonic() - began) * rest)
    return pruned


def _outbox_window_prune(lo: int, hi: int, *, before: dt.datetime) -> int:
    """Delivered and discarded rows of one window, and each integration's feed horizon."""
    rows = OutboxRow.objects.filter(
        id__gte=lo, id__lt=hi, status__in=PRUNABLE, created_at__lt=before
    )
    horizons = dict(rows.values("integration_id").annotate(top=Max("id")).values_list(
        "integration_id", "top"
    ))
    deleted = rows.delete()[0]
    for integration_id, top in horizons.items():
        updated = FeedRetention.objects.filter(
            integration_id=integration_id, pruned_through__lt=top
        ).update(pruned_through=top)
        if not updated:
            FeedRetention.objects.get_or_create(
                integration_id=integration_id, defaults={"pruned_through": top}
            )
    return deleted


def feed_pruned_through(*, integration_id: int) -> int:
    """The highest outbox row id pruned for this integration (0 when none was)."""
    found: Any = (
        FeedRetention.objects.filter(integration_id=integration_id)
        .values_list("pruned_through", flat=True)
        .first()
    )
    return int(found or 0)
