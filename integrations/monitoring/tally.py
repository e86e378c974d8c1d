"""Counting in the database, where every worker on every machine adds to one sum: deliveries,
and the records fetches take in."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Count, F, Max, Value
from django.db.models.functions import Greatest, TruncDate
from django.utils import timezone

from integrations.models import Change, DeliveryTally, IngestTally, ReceivedTally

# Keys of a delivery pass's counts that are not results (delivery.deliver_integration).
NOT_RESULTS = ("more", "busy")


def deliveries_tally(*, transport: str, counts: Mapping[str, int]) -> None:
    """Add a delivery pass's counts ({result: rows}) to the totals; nothing for an empty pass."""
    results = {k: n for k, n in counts.items() if n and k not in NOT_RESULTS}
    _add(DeliveryTally, {"transport": transport}, "result", results)


def fetched_tally(*, kind: str, statuses: Iterable[str]) -> None:
    """Add the results of a fetched page's records (created, updated, unchanged, error)."""
    _add(IngestTally, {"kind": kind}, "status", Counter(statuses))


def _add(model: type[models.Model], fixed: dict[str, str], key: str,
         counts: Mapping[str, int]) -> None:
    if not counts:
        return
    with transaction.atomic():
        for value, n in sorted(counts.items()):  # one order: concurrent adds never deadlock
            match = {**fixed, key: value}
            rows = model._default_manager.filter(**match)
            if not rows.update(count=F("count") + n):
                model._default_manager.bulk_create([model(**match)], ignore_conflicts=True)
                rows.update(count=F("count") + n)


FOLD_MAX_CHANGES = 500_000  # per sweep: a backlog is folded a part at a time
_FOLD_STATE = "received-fold"


def records_received_fold(*, now: dt.datetime | None = None) -> int:
    """Add the changes platforms sent since the last fold to ReceivedTally (the sweep, every
    minute); returns how many were added.

    Read from the change log by id range (the primary key; nothing is written on ingest's
    path: `benchmarks/api_ingest.py` measured a write per batch, even a cache increment, in
    its ratio). A fold takes the ids up to the highest one seen at the previous fold, so a
    batch still committing then has had a minute to commit. Its place is kept in the cache:
    lost, counting starts again from the newest change.
    """
    now = now or timezone.now()
    newest = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
    cursor, horizon = cache.get(_FOLD_STATE) or (newest, newest)
    upto = min(horizon, cursor + FOLD_MAX_CHANGES)
    rows = (
        Change.objects.filter(id__gt=cursor, id__lte=upto, source_integration__isnull=False)
        .exclude(event_type__endswith=".ignored")
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .values_list("source_integration_id", "day")
        .annotate(n=Count("id"), last=Max("created_at"))
        .order_by()
    )
    added = 0
    for integration_id, day, n, last in rows:
        _tally_add(integration_id, day, n, last)
        added += n
    cache.set(_FOLD_STATE, (upto, newest if upto == horizon else horizon), timeout=None)
    return added


def _tally_add(integration_id: int, day: dt.date, records: int, last: dt.datetime) -> None:
    today = ReceivedTally.objects.filter(integration_id=integration_id, day=day)
    last_at = Greatest(F("last_at"), Value(last))
    if not today.update(records=F("records") + records, last_at=last_at):
        ReceivedTally.objects.bulk_create(
            [ReceivedTally(integration_id=integration_id, day=day, last_at=last)],
            ignore_conflicts=True,
        )
        today.update(records=F("records") + records, last_at=last_at)
