"""Where has this lead been? A record's journey for support staff (product.md §2)."""

from __future__ import annotations

import uuid
from typing import Any

from integrations.models import Change, DeliveryAttempt, OutboxRow

RESULT_WORDS = {
    "pending": "waiting to be sent",
    "held": "held",
    "sending": "being sent",
    "delivered": "delivered",
    "failed": "failed",
    "discarded": "discarded",
    "superseded": "released as a newer delivery",
}


def record_trace(*, kind: str, record_id: Any) -> list[dict]:
    """Every hop of the record, oldest first: each change received and where it went.

    A hop is {when, what, where, result, attempts, detail, delivery_id, tries}: `tries` are
    every attempt of a delivery, oldest first ({at, result, answer, actor}): a failure and
    the retry that delivered it both stay. Raises ValueError for an id that is not a UUID.
    """
    if kind not in ("prospect", "member"):
        raise ValueError(f"unknown record kind {kind!r}")
    record_uuid = uuid.UUID(str(record_id))
    changes = list(
        Change.objects.filter(kind=kind, record_id=record_uuid)
        .select_related("source_integration__platform")
        .order_by("id")
    )
    # The (record_id, integration, id) index: a record's rows, found by the record alone.
    rows = (
        OutboxRow.objects.filter(kind=kind, record_id=record_uuid)
        .select_related("integration__platform")
        .order_by("id")
    )
    by_change: dict[int, list[OutboxRow]] = {}
    for row in rows:
        by_change.setdefault(row.change_id, []).append(row)
    tries = _tries([row.pk for rows_ in by_change.values() for row in rows_])
    hops: list[dict] = []
    for change in changes:
        hops.append(_received(change))
        hops.extend(_delivered(row, tries.get(row.pk, [])) for row in by_change.get(change.pk, []))
    return hops


def _tries(delivery_ids: list[int]) -> dict[int, list[dict]]:
    """Every attempt of these deliveries, oldest first (one query)."""
    found: dict[int, list[dict]] = {}
    attempts = DeliveryAttempt.objects.filter(delivery_id__in=delivery_ids).select_related(
        "actor").order_by("id")
    for attempt in attempts:
        found.setdefault(attempt.delivery_id, []).append({
            "at": attempt.at, "result": attempt.get_result_display(), "answer": attempt.answer,
            "actor": attempt.actor.email if attempt.actor else "",
        })
    return found


def trace_counts(hops: list[dict]) -> dict[str, int]:
    """What a journey's heading says: changes received, deliveries, attempts (the rows of
    its tables)."""
    deliveries = [hop for hop in hops if hop["delivery_id"] is not None]
    return {"changes": len(hops) - len(deliveries), "deliveries": len(deliveries),
            "attempts": sum(len(hop["tries"]) for hop in deliveries)}


def _received(change: Change) -> dict:
    source = change.source_integration
    ignored = change.event_type.endswith(".ignored")
    return {
        "when": change.created_at,
        "what": f"received {change.event_type}",
        "where": f"from {source.platform.name}" if source else "from the Connector",
        "result": "ignored: older than the stored version" if ignored else "accepted",
        "attempts": None,
        "detail": change.data.get("reason", "") if isinstance(change.data, dict) else "",
        "delivery_id": None,
        "tries": [],
    }


def _delivered(row: OutboxRow, tries: list[dict]) -> dict:
    detail = row.last_error or row.hold_reason
    if row.status == "delivered" and row.sent_without_owner:
        detail = "sent without owner (no staff mapping yet)"
    return {
        "when": row.delivered_at or row.updated_at,
        "what": f"sent {row.event_type}",
        "where": f"to {row.integration.platform.name}",
        "result": RESULT_WORDS.get(row.status, row.status),
        "attempts": row.attempts,
        "detail": detail,
        "delivery_id": row.pk,
        "tries": tries,
    }
