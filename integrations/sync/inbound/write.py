"""Ingest's writer: a plan (`plan.py`) stored in a constant number of statements.

New records, links and changes go in with COPY on PostgreSQL (`db.ingest`),
stored records are updated in one statement, and each fan-out is one INSERT ... SELECT made by
the database from the change rows just written. Records that need review are queued, and the
deliveries of those the sender holds are held (one statement each).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F

from integrations.db.ingest import outbox_fan_out, rows_insert
from integrations.models import Change, ExternalLink, Launch, OutboxRow, PossibleDuplicate
from integrations.models.sync import OutboxStatus
from integrations.records.shape import RecordShape
from integrations.sync.delivery.feed_rows import FeedItem, feed_rows_decide
from integrations.sync.inbound.plan import Plan


def plan_write(
    *, plan: Plan, shape: RecordShape, client_id: str, integration_id: int, now: datetime,
    launching: bool = False,
) -> None:
    """Store the plan (inside the caller's transaction)."""
    model: Any = shape.model
    rows_insert(model=model, rows=plan.creates, now=now)
    if plan.updates:
        _updates_write(plan, model, integration_id, now)
    rows_insert(model=ExternalLink, rows=plan.links, now=now)
    change_ids = rows_insert(model=Change, rows=plan.changes, now=now, need_ids=True)
    for fan in plan.fanouts:
        outbox_fan_out(
            change_ids=[change_ids[i] for i in fan.changes],  # type: ignore[misc]  # stored: they have ids
            destination_ids=fan.destination_ids,
            published_ids=fan.published_ids,
            now=now,
        )
        if fan.checked_ids:  # owners and lead sources a feed reader cannot be given
            feed_rows_decide(integration_ids=fan.checked_ids, items=[
                _feed_item(plan.changes[i], change_ids[i]) for i in fan.changes
            ])
    if plan.reviews:
        PossibleDuplicate.objects.bulk_create(
            [PossibleDuplicate(**row) for row in plan.reviews], ignore_conflicts=True
        )
    if plan.held:
        OutboxRow.objects.filter(change_id__in=[change_ids[i] for i in plan.held]).update(
            status=OutboxStatus.HELD, hold_reason=LAUNCH_HOLD if launching else REVIEW_HOLD,
            delivered_at=None,
        )


REVIEW_HOLD = "May be a person the client already has: waiting for review."
LAUNCH_HOLD = "Waiting for the integration to be switched on (launch preview)."


def launch_tally(*, integration_id: int, results: list[Any], reviews: list[Any]) -> None:
    """What matching did with a batch of a launch preview, added to its counts."""
    reviewed = {row["record_id"] for row in reviews}
    linked = sum(1 for r in results if r.matched)
    review = sum(1 for r in results if r.id in reviewed)
    new = sum(1 for r in results if r.status == "created" and not r.matched) - review
    Launch.objects.filter(integration_id=integration_id, status=Launch.Status.PREVIEW).update(
        received=F("received") + sum(1 for r in results if r.status != "error"),
        linked=F("linked") + linked, review=F("review") + review, new=F("new") + new,
    )


def _feed_item(change: dict[str, Any], change_id: int | None) -> FeedItem:
    data = change["data"]
    return FeedItem(change_id=int(change_id or 0), kind=change["kind"],
                    record_id=change["record_id"], staff_owner_id=data.get("staff_owner_id"),
                    lead_source_id=data.get("lead_source_id"))


def _updates_write(plan: Plan, model: Any, integration_id: int, now: datetime) -> None:
    records = []
    for update in plan.updates:
        record = update.record
        for name, value in update.values.items():
            setattr(record, name, value)
        record.version += 1
        record.source_integration_id = integration_id
        record.source_updated_at = update.source_updated_at
        record.updated_at = now
        records.append(record)
    fields = [*plan.updated_fields, "version", "source_integration", "source_updated_at",
              "updated_at"]
    model.objects.bulk_update(records, fields)
