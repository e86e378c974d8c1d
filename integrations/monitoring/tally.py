"""Counting in the database, where every worker on every machine adds to one sum: deliveries,
and the records fetches take in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import models, transaction
from django.db.models import F

from integrations.models import DeliveryTally, IngestTally

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
