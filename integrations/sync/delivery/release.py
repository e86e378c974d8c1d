"""When a staff mapping is made: release held rows, send owners that went out missing.

For every transport: `api` platforms and webhooks get the released rows and the updates sent;
feed partners get them as new events (feed_rows.py).

Called after the mapping app's commit (registered with `mappings.services.hooks` at start-up), and
by the periodic sweep for mappings still flagged `pending_release`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.models import Change, Integration, Member, OutboxRow, Prospect
from integrations.models.sync import OutboxStatus
from integrations.records.shape import record_snapshot
from integrations.sync.delivery.feed_rows import (
    FeedItem,
    feed_held_release,
    feed_integrations,
    feed_rows_decide,
)
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.issues.refresh import issues_refresh
from mappings.models import MappingStatus, StaffMapping
from mappings.services.hooks import staff_mapping_release_done


def staff_mapping_made(*, integration_id: int, remote_staff_ids: Iterable[int]) -> dict:
    """Release rows held for these owners and queue owner updates; returns counts."""
    ids = set(remote_staff_ids)
    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None or not ids:
        return {}
    with transaction.atomic():
        record_ids = _records_owned_by(_related_owners(ids))
        released = _held_release(client_id=integration.client_id, record_ids=record_ids)
        updated = _owner_updates_queue(client_id=integration.client_id, record_ids=record_ids)
        staff_mapping_release_done(integration_id=integration_id, remote_staff_ids=ids)
    deliveries_kick(integration_ids=set(released) | set(updated))
    # The owner's issues (held for, sent without) close now, not at the next sweep.
    issues_refresh(integration_ids=Integration.objects.filter(
        client_id=integration.client_id).values_list("pk", flat=True))
    return {"released": sum(released.values()), "owner_updates": sum(updated.values())}


def _related_owners(remote_staff_ids: set[int]) -> set[int]:
    """The staff ids themselves, and every remote staff linked to the same directory people.

    A mapping made in the source's integration lets its owner translate; one made in a
    destination lets every source's owner who is the same person translate there.
    """
    people = StaffMapping.objects.filter(
        remote_id__in=remote_staff_ids, status=MappingStatus.MATCHED
    ).values("person_id")
    linked = StaffMapping.objects.filter(
        person_id__in=people, status=MappingStatus.MATCHED
    ).values_list("remote_id", flat=True)
    return remote_staff_ids | set(linked)


def _records_owned_by(owner_ids: set[int]) -> list:
    prospects = Prospect.objects.filter(staff_owner_id__in=owner_ids).values_list("id", flat=True)
    members = Member.objects.filter(staff_owner_id__in=owner_ids).values_list("id", flat=True)
    return [*prospects, *members]


def _held_release(*, client_id: str, record_ids: list) -> dict[int, int]:
    rows = list(OutboxRow.objects.select_for_update().filter(
        integration__client_id=client_id, status=OutboxStatus.HELD, record_id__in=record_ids
    ))
    return held_rows_release(rows=rows)


def held_rows_release(*, rows: list[OutboxRow]) -> dict[int, int]:
    """Send held rows again (locked by the caller): pending, completed again when sent; a
    feed partner's are published as new rows where the owner can now be given
    (feed_rows.py). Returns {integration id: rows released}."""
    feeds = feed_integrations(integration_ids={row.integration_id for row in rows})
    counts: dict[int, int] = {}
    for row in rows:
        if row.integration_id not in feeds:
            counts[row.integration_id] = counts.get(row.integration_id, 0) + 1
    OutboxRow.objects.filter(
        id__in=[row.id for row in rows if row.integration_id not in feeds],
        status=OutboxStatus.HELD,
    ).update(status=OutboxStatus.PENDING, hold_reason="", next_attempt_at=None, issue=None)
    for integration_id in feeds:
        feed_held_release(rows=[row for row in rows if row.integration_id == integration_id])
    return counts


def _owner_updates_queue(*, client_id: str, record_ids: list) -> dict[int, int]:
    """A fresh update row per record and destination that got the record without its owner."""
    sent = list(
        OutboxRow.objects.select_for_update().filter(
            integration__client_id=client_id,
            status=OutboxStatus.DELIVERED,
            sent_without_owner=True,
            record_id__in=record_ids,
        ).order_by("id")
    )
    return updates_queue(client_id=client_id, rows=sent, reason="staff owner mapped")


def updates_queue(*, client_id: str, rows: list[OutboxRow], reason: str) -> dict[int, int]:
    """A fresh update row per record and destination of `rows` (delivered incomplete, locked
    by the caller), whose flags are cleared: the update carries the record as it stands now,
    in the destination's terms, and is checked again as it is sent or published."""
    latest = {(row.integration_id, row.record_id): row for row in rows}
    wanted: dict[tuple[str, Any], set[int]] = {}
    for row in latest.values():
        wanted.setdefault((row.kind, row.record_id), set()).add(row.integration_id)
    counts: dict[int, int] = {}
    for (kind, record_id), integration_ids in wanted.items():
        record = (Prospect if kind == "prospect" else Member).objects.filter(pk=record_id).first()
        if record is None:
            continue
        for pk, n in record_update_queue(
            record=record, integration_ids=integration_ids, reason=reason
        ).items():
            counts[pk] = counts.get(pk, 0) + n
    OutboxRow.objects.filter(id__in=[row.id for row in rows]).update(
        sent_without_owner=False, sent_without_lead_source=False)
    return counts


def record_update_queue(
    *, record: Prospect | Member, integration_ids: Collection[int], reason: str
) -> dict[int, int]:
    """One update of `record` as it stands now (a change the Connector makes itself: a
    mapping made, a merge) for each of `integration_ids`: sent to `api` platforms and
    webhooks, published to feed partners (and checked as their rows are, feed_rows.py).
    Returns {integration id: rows to send}; the caller wakes the workers after commit."""
    if not integration_ids:
        return {}
    kind = "prospect" if isinstance(record, Prospect) else "member"
    snapshot = record_snapshot(record)
    change = Change.objects.create(
        client_id=record.client_id, kind=kind, record_id=record.pk,
        event_type=f"{kind}.updated", data={**snapshot, "reason": reason},
        source_updated_at=record.source_updated_at,
    )
    feeds = feed_integrations(integration_ids=integration_ids)
    now = timezone.now()
    OutboxRow.objects.bulk_create([
        OutboxRow(integration_id=pk, change=change, kind=kind, record_id=record.pk,
                  event_type=change.event_type,
                  **({"status": OutboxStatus.DELIVERED, "delivered_at": now} if pk in feeds
                     else {}))
        for pk in sorted(integration_ids)
    ])
    if feeds:
        item = FeedItem(change.pk, kind, record.pk, snapshot["staff_owner_id"],
                        snapshot["lead_source_id"])
        feed_rows_decide(integration_ids=sorted(feeds), items=[item])
    return {pk: 1 for pk in integration_ids if pk not in feeds}


def pending_releases_run() -> int:
    """Release for mappings the hook did not get to (flagged `pending_release`)."""
    pending: dict[int, list[int]] = {}
    flagged = StaffMapping.objects.filter(pending_release=True).values_list(
        "integration_id", "remote_id"
    )
    for integration_id, remote_id in flagged[:5000]:
        pending.setdefault(integration_id, []).append(remote_id)
    for integration_id, remote_ids in pending.items():
        staff_mapping_made(integration_id=integration_id, remote_staff_ids=remote_ids)
    return len(pending)
