"""What became of one send attempt, and storing it on the outbox row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import F
from django.utils import timezone

from integrations.models import OutboxRow
from integrations.models.sync import OutboxStatus
from integrations.sync import conf
from integrations.sync.delivery.backoff import Schedule, api_retry_delay, webhook_retry_delay
from integrations.sync.delivery.completion import Problem

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
    held_for: int | None = None  # HELD: the owner (remote staff id) it waits for
    problems: list[Problem] = field(default_factory=list)  # what a delivered row went without
    created_external_id: str = ""  # the platform's id of a record this send created
    # A temporary failure of a call to the platform (not one of ours): counts toward the
    # platform being down (health.py).
    platform_failure: bool = False
    # The platform refused the credentials (401/403): the row waits for them (health.py).
    credentials_refused: bool = False
    wait_until: float | None = None  # WAITING: the probe time (time.time())
    tried: bool = True  # False for rows given back untried (the platform is down, or a 429)


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
                 sent_without_lead_source=no_source, issue=None)


def outcome_settle(*, row: OutboxRow, outcome: Outcome, webhook: bool) -> tuple[str, float | None]:
    """What a row that was not delivered becomes: (result, seconds until it is tried again).
    A temporary failure whose retries are used up ends FAILED."""
    if outcome.result != RETRY:
        return outcome.result, None
    retry_in = _retry_delay(row.attempts + 1, outcome, webhook)
    return (FAILED, None) if retry_in is None else (RETRY, retry_in)


def outcome_store(*, row: OutboxRow, outcome: Outcome, settled: tuple[str, float | None],
                  worker: str, issue_id: int | None = None) -> str:
    """Write a settled outcome on the row (only while this worker still owns its claim), with
    the issue of its cause; returns the result."""
    result, retry_in = settled
    mine = OutboxRow.objects.filter(id=row.id, status=OutboxStatus.SENDING, claimed_by=worker)
    error = outcome.error[:2000]
    if result == HELD:
        mine.update(status=OutboxStatus.HELD, hold_reason=outcome.hold_reason[:200],
                    claimed_by="", issue_id=issue_id)
    elif result == RATE_LIMITED:
        delay = min(outcome.retry_after or conf.quick_retry_base_seconds(),
                    conf.retry_after_cap_seconds())
        mine.update(status=OutboxStatus.PENDING, claimed_by="", last_error=error,
                    next_attempt_at=timezone.now() + timedelta(seconds=delay))
    elif result == WAITING:
        mine.update(status=OutboxStatus.PENDING, claimed_by="", last_error=error,
                    next_attempt_at=_when(outcome.wait_until), issue_id=issue_id)
    elif result == FAILED:
        mine.update(status=OutboxStatus.FAILED, attempts=row.attempts + 1, claimed_by="",
                    last_error=error, next_attempt_at=None, issue_id=issue_id)
    else:
        mine.update(status=OutboxStatus.PENDING, attempts=row.attempts + 1, claimed_by="",
                    last_error=error, issue_id=None,
                    next_attempt_at=timezone.now() + timedelta(seconds=retry_in or 0))
    return result


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
