"""Counting deliveries in the database, where every worker on every machine adds to one sum."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from integrations.models import DeliveryTally

# Keys of a delivery pass's counts that are not results (delivery.deliver_integration).
NOT_RESULTS = ("more", "busy")


def deliveries_tally(*, transport: str, counts: Mapping[str, int]) -> None:
    """Add a delivery pass's counts ({result: rows}) to the totals; nothing for an empty pass."""
    results = {k: n for k, n in counts.items() if n and k not in NOT_RESULTS}
    if not results:
        return
    with transaction.atomic():
        for result, n in sorted(results.items()):  # one order: concurrent passes never deadlock
            rows = DeliveryTally.objects.filter(transport=transport, result=result)
            if not rows.update(count=F("count") + n):
                DeliveryTally.objects.bulk_create(
                    [DeliveryTally(transport=transport, result=result)], ignore_conflicts=True
                )
                rows.update(count=F("count") + n)
