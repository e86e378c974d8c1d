"""What became of one send attempt, and storing it on the outbox row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import F
from django.utils import timezone

from integrations.models import Integration, OutboxRow
from integrations.models.logs import LogEntry, log_write
from integrations.models.sync import OutboxStatus
from integrations.sync import conf
from integrations.sync.delivery.backoff import Schedule, api_retry_delay, webhook_retry_delay

DELIVERED = "delivered"
RETRY = "retry"  # temporary failure: try again later (5xx, timeout, connection error)
RATE_LIMITED = "rate_limited"  # 429: wait Retry-After; not the record's fault, not counted
FAILED = "failed"  # permanent: the platform refused the record (4xx)
HELD = "held"  # waiting for a staff mapping (unmatched-owner policy "hold")
WAITING = "waiting"  # the platform is down (health.py): retried at the next probe, not counted


@dataclass
class Outcome:
    result: str
    error: str = ""
    retry_after: float | None = None
    sent_without_owner: bool = False
    sent_without_lead_source: bool = False
    hold_reason: str = ""
    warnings: list[str] = field(default_factory=list)
    created_external_id: str = ""  # the platform's id of a record this send created
    # A temporary failure of a call to the platform (not one of ours): counts toward the
    # platform being down (health.py).
    platform_failure: bool = False
    wait_until: float | None = None  # WAITING: the probe time (time.time())


def delivered_store(*, rows: list[OutboxRow], outcomes: dict[int, Outcome], worker: str) -> None:
    """Mark a batch's delivered rows in one statement per pair of flags (not one per row)."""
    now = timezone.now()
    groups: dict[tuple[bool, bool], list[int]] = {}
    for row in rows:
        outcome = outcomes[row.id]
        flags = (outcome.sent_without_owner, outcome.sent_without_lead_source)
        groups.setdefault(flags, []).append(row.id)
    for (no_owner, no_source), ids in groups.items():
        OutboxRow.objects.filter(
            id__in=ids, status=OutboxStatus.SENDING, claimed_by=worker
        ).update(status=OutboxStatus.DELIVERED, delivered_at=now, last_error="",
                 attempts=F("attempts") + 1, hold_reason="", sent_without_owner=no_owner,
                 sent_without_lead_source=no_source)


def outcome_store(*, row: OutboxRow, integration: Integration, outcome: Outcome, worker: str,
                  webhook: bool) -> str:
    """Write the outcome on the row (only while this worker still owns its claim)."""
    mine = OutboxRow.objects.filter(id=row.id, status=OutboxStatus.SENDING, claimed_by=worker)
    if outcome.result == DELIVERED:
        mine.update(status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), last_error="",
                    attempts=F("attempts") + 1, hold_reason=outcome.hold_reason,
                    sent_without_owner=outcome.sent_without_owner,
                    sent_without_lead_source=outcome.sent_without_lead_source)
        return DELIVERED
    if outcome.result == HELD:
        mine.update(status=OutboxStatus.HELD, hold_reason=outcome.hold_reason[:200],
                    claimed_by="")
        return HELD
    if outcome.result == RATE_LIMITED:
        delay = min(outcome.retry_after or conf.quick_retry_base_seconds(),
                    conf.retry_after_cap_seconds())
        mine.update(status=OutboxStatus.PENDING, claimed_by="", last_error=outcome.error[:2000],
                    next_attempt_at=timezone.now() + timedelta(seconds=delay))
        return RATE_LIMITED
    if outcome.result == WAITING:
        mine.update(status=OutboxStatus.PENDING, claimed_by="", last_error=outcome.error[:2000],
                    next_attempt_at=_when(outcome.wait_until))
        return WAITING
    attempts = row.attempts + 1
    retry_in = None if outcome.result == FAILED else _retry_delay(attempts, outcome, webhook)
    if retry_in is None:
        if mine.update(status=OutboxStatus.FAILED, attempts=attempts, claimed_by="",
                       last_error=outcome.error[:2000], next_attempt_at=None):
            _log_failure(row=row, integration=integration, error=outcome.error, attempts=attempts)
        return FAILED
    mine.update(status=OutboxStatus.PENDING, attempts=attempts, claimed_by="",
                last_error=outcome.error[:2000],
                next_attempt_at=timezone.now() + timedelta(seconds=retry_in))
    return RETRY


def _retry_delay(attempts: int, outcome: Outcome, webhook: bool) -> float | None:
    if webhook:
        return webhook_retry_delay(attempts=attempts, schedule=conf.webhook_schedule(),
                                   retry_after=outcome.retry_after)
    if attempts >= conf.max_attempts():
        return None
    return api_retry_delay(attempts=attempts, schedule=api_schedule(),
                           retry_after=outcome.retry_after)


def api_schedule() -> Schedule:
    """The `api` retry schedule of the settings (conf.py)."""
    return Schedule(
        quick_base=conf.quick_retry_base_seconds(), quick_max=conf.quick_retry_max_seconds(),
        quick_attempts=conf.quick_attempts(), base=conf.retry_base_seconds(),
        cap=conf.retry_max_seconds(), retry_after_cap=conf.retry_after_cap_seconds(),
    )


def _when(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=UTC) if epoch is not None else None


def _log_failure(*, row: OutboxRow, integration: Integration, error: str, attempts: int) -> None:
    what = row.kind
    log_write(
        client_id=integration.client_id,
        integration_id=integration.id,
        level=LogEntry.Level.ERROR,
        summary=f"A {what} could not be delivered to {integration.platform.name}: "
        f"{error or 'no answer'}"[:300],
        detail=f"Delivery #{row.id} ({row.event_type}) failed after {attempts} attempt(s). "
        "Support staff can send it again from the admin once the cause is fixed.",
        record_kind=row.kind,
        record_id=row.record_id,
    )


def warnings_log(*, row: OutboxRow, integration: Integration, warnings: list[str]) -> None:
    """Warnings about a record that went out incomplete (no owner mapping, unknown source)."""
    for warning in warnings:
        log_write(
            client_id=integration.client_id,
            integration_id=integration.id,
            level=LogEntry.Level.WARNING,
            summary=warning[:300],
            detail=f"Delivery #{row.id} ({row.event_type}).",
            record_kind=row.kind,
            record_id=row.record_id,
        )
