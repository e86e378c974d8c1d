"""Support staff's decisions on deliveries: send again, or discard (one or many)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.models import DeliveryAttempt, Integration, OutboxRow
from integrations.models.logs import LogEntry, audit_record, log_write
from integrations.models.sync import OutboxStatus
from integrations.sync.delivery.feed_rows import feed_held_release, feed_integrations
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.issues.report import issues_recount

RETRYABLE = (OutboxStatus.FAILED, OutboxStatus.DISCARDED, OutboxStatus.HELD)
DISCARDABLE = (OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.FAILED)


@transaction.atomic
def deliveries_retry(*, row_ids: Iterable[int], acting_user: Any = None) -> int:
    """Send failed, held or discarded deliveries again from a clean slate; returns how many."""
    rows = list(
        OutboxRow.objects.select_for_update()
        .filter(id__in=list(row_ids), status__in=RETRYABLE)
        .select_related("integration__platform")
    )
    feeds = feed_integrations(integration_ids={row.integration_id for row in rows})
    # A feed partner's held row is never made servable in place: it is published as a new
    # row if its owner can now be given (feed_rows.py), else it stays held.
    feed_held = [r for r in rows if r.integration_id in feeds and r.status == OutboxStatus.HELD]
    row_was = {row.pk: row.get_status_display() for row in rows}
    for row in rows:
        old = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
        if row in feed_held:
            audit_record(actor=acting_user, action="delivery_retry", target=row,
                         client=row.integration.client_id, old=old, new={"status": "released"})
            continue
        row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, None
        row.hold_reason, row.claimed_by = "", ""
        row.save(update_fields=["status", "attempts", "next_attempt_at", "hold_reason",
                                "claimed_by", "updated_at"])
        audit_record(actor=acting_user, action="delivery_retry", target=row,
                     client=row.integration.client_id, old=old, new={"status": row.status})
    if feed_held:
        feed_held_release(rows=feed_held)
    DeliveryAttempt.objects.bulk_create([
        DeliveryAttempt(delivery_id=row.pk, at=timezone.now(), actor=_person(acting_user),
                        result=DeliveryAttempt.Result.SENT_AGAIN,
                        answer=f"was {row_was[row.pk]}")
        for row in rows
    ])
    _log_decision(rows, verb="sent again", acting_user=acting_user)
    deliveries_kick(integration_ids={row.integration_id for row in rows})
    return len(rows)


@transaction.atomic
def deliveries_discard(*, row_ids: Iterable[int], acting_user: Any = None) -> int:
    """Give up on deliveries not yet delivered (not those in flight); returns how many."""
    rows = list(
        OutboxRow.objects.select_for_update()
        .filter(id__in=list(row_ids), status__in=DISCARDABLE)
        .select_related("integration__platform")
    )
    for row in rows:
        old = {"status": row.status}
        row.status, row.claimed_by = OutboxStatus.DISCARDED, ""
        row.save(update_fields=["status", "claimed_by", "updated_at"])
        audit_record(actor=acting_user, action="delivery_discard", target=row,
                     client=row.integration.client_id, old=old, new={"status": row.status})
    _log_decision(rows, verb="discarded", acting_user=acting_user)
    # A discarded row no longer blocks the record's later rows, nor counts in its issue.
    deliveries_kick(integration_ids={row.integration_id for row in rows})
    issues_recount(issue_ids={row.issue_id for row in rows if row.issue_id})
    return len(rows)


def _person(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _who(user: Any) -> str:
    """Support staff, or the club's user by email (a person of the club, not a lead)."""
    if getattr(user, "client_id", None):
        return str(user.email)
    return "Support staff"


def _log_decision(rows: list[OutboxRow], *, verb: str, acting_user: Any) -> None:
    by_integration: dict[int, list[OutboxRow]] = {}
    for row in rows:
        by_integration.setdefault(row.integration_id, []).append(row)
    for group in by_integration.values():
        integration = group[0].integration
        log_write(
            client_id=integration.client_id,
            integration_id=integration.id,
            level=LogEntry.Level.INFO,
            summary=f"{_who(acting_user)} {verb} {len(group)} deliver"
            f"{'y' if len(group) == 1 else 'ies'} to {integration.platform.name}.",
            detail="Deliveries: " + ", ".join(f"#{row.id}" for row in group[:50]),
            record_kind=group[0].kind,
            record_ids=[row.record_id for row in group],
        )


RESEND_CHUNK = 5000


def deliveries_resend_failed(*, integration: Integration, acting_user: Any) -> int:
    """Send an integration's failed deliveries again (the club's "Send again" after a fix):
    set-based, a chunk at a time, one attempt row each saying who asked, one audit row and
    one log line for all; returns how many."""
    total = 0
    while True:
        with transaction.atomic():
            ids = list(OutboxRow.objects.select_for_update(skip_locked=True).filter(
                integration=integration, status=OutboxStatus.FAILED,
            ).order_by("id").values_list("pk", flat=True)[:RESEND_CHUNK])
            if not ids:
                break
            OutboxRow.objects.filter(pk__in=ids).update(
                status=OutboxStatus.PENDING, attempts=0, next_attempt_at=None, claimed_by="")
            now = timezone.now()
            DeliveryAttempt.objects.bulk_create([
                DeliveryAttempt(delivery_id=pk, at=now, actor=_person(acting_user),
                                result=DeliveryAttempt.Result.SENT_AGAIN, answer="was failed")
                for pk in ids
            ])
        total += len(ids)
    if total:
        audit_record(actor=acting_user, action="deliveries_resend_failed", target=integration,
                     client=integration.client_id, new={"deliveries": total})
        log_write(client_id=integration.client_id, integration_id=integration.pk,
                  level=LogEntry.Level.INFO,
                  summary=f"{_who(acting_user)} sent {total} failed deliver"
                  f"{'y' if total == 1 else 'ies'} to {integration.platform.name} again.")
        deliveries_kick(integration_ids=[integration.pk])
    return total
