"""Delivering outbox rows to their destination: claim, translate, send, record the outcome.

Three transports, one mechanism (design.md):
- `api` integrations: the platform's adapter (create / update through its REST contract);
- push partners with an active webhook: a signed POST per event;
- push partners without a webhook read the change feed. Their rows need no sending: ingest
  writes them *delivered* ("published to the feed", `routing.Receiver.reads_feed`), and a row
  made pending again later (a re-send from the admin) is marked delivered by the delivery pass
  as soon as it is due. The feed serves the integration's rows in order, except held ones:
  the owner policy is applied as a feed row is written (feed_rows.py).

A temporary failure of any step of a row (creating its lead source, a look-up, the record
call) leaves the whole row pending, retried with the backoff of outcomes.py; a platform that
fails every call is down, and only probed (health.py).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from integrations.adapters import adapter_cached
from integrations.adapters.base import Adapter, AdapterError, RemoteLeadSourceRecord
from integrations.db.locks import integration_lock
from integrations.models import (
    Integration,
    IssueKind,
    Member,
    OutboxRow,
    Prospect,
    SyncRun,
    WebhookEndpoint,
)
from integrations.models.choices import Mode
from integrations.models.logs import LogEntry, log_write
from integrations.models.sync import OutboxStatus
from integrations.monitoring.tally import deliveries_tally
from integrations.sync import conf
from integrations.sync.delivery.bookkeeping import Batch, batch_settle
from integrations.sync.delivery.claim import outbox_claim, worker_id
from integrations.sync.delivery.completion import Prepared, event_prepare
from integrations.sync.delivery.credentials import credentials_settle
from integrations.sync.delivery.events import events_for_rows
from integrations.sync.delivery.health import BACK, DOWN, delivery_gate, health_get, health_record
from integrations.sync.delivery.outcomes import (
    DELIVERED,
    FAILED,
    HELD,
    RATE_LIMITED,
    RETRY,
    WAITING,
    Outcome,
)
from integrations.sync.delivery.send_api import adapter_error_outcome, send_api_row
from integrations.sync.delivery.send_webhook import send_webhook_event
from integrations.sync.issues.report import Cause, issues_resolve

logger = logging.getLogger(__name__)

API, WEBHOOK, FEED = "api", "webhook", "feed"
_executor: ThreadPoolExecutor | None = None


def transport_of(integration: Integration) -> str:
    """How rows reach this destination: 'api', 'webhook' or 'feed'."""
    if integration.mode == Mode.API:
        return API
    endpoint = WebhookEndpoint.objects.filter(integration=integration, active=True).first()
    return WEBHOOK if endpoint is not None else FEED


def deliver_integration(*, integration_id: int, budget_seconds: float | None = None) -> dict:
    """Send the due rows of one destination until none is left or the time budget is spent.

    Returns counts by result, plus `more: 1` when due rows remain (the caller re-queues).
    """
    integration = (
        Integration.objects.select_related("platform", "client", "default_staff")
        .filter(pk=integration_id, enabled=True)
        .first()
    )
    if integration is None:
        return {}
    transport = transport_of(integration)
    if transport == FEED:
        return {"published": feed_rows_publish(integration=integration)}
    if transport == API and not delivery_gate(integration_id=integration.pk)[0]:
        return {"down": 1}  # the platform is down and no probe is due: nothing to claim
    with integration_lock(integration_id=integration.pk, exclusive=False, wait_seconds=0) as held:
        if not held:
            return {"busy": 1}  # a fetch runs; it queues a delivery when it is done
        return _deliver_batches(integration, transport, budget_seconds)


def feed_rows_publish(*, integration: Integration) -> int:
    """Mark a feed partner's due rows delivered: the feed serves them, nothing is sent."""
    now = timezone.now()
    return OutboxRow.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        integration=integration,
        status=OutboxStatus.PENDING,
    ).update(status=OutboxStatus.DELIVERED, delivered_at=now, last_error="")


def _deliver_batches(integration: Integration, transport: str, budget: float | None) -> dict:
    deadline = time.monotonic() + (budget or conf.batch_time_budget_seconds())
    started = timezone.now()
    counts: Counter[str] = Counter()
    while time.monotonic() < deadline:
        may_send, probe = delivery_gate(integration_id=integration.pk) if transport == API \
            else (True, False)
        if not may_send:  # the platform is down and no probe is due (health.py)
            counts["down"] = 1
            break
        # A probe is one round of calls, not a whole batch of timeouts.
        limit = conf.send_concurrency() if probe else conf.batch_size()
        # Rows due when the pass began: a row it retries waits for the next pass, however
        # soon its retry comes (each row is tried at most once a pass).
        ids = outbox_claim(integration_id=integration.pk, limit=limit, due_at=started)
        if not ids:
            break
        batch = _deliver_rows(integration, transport, ids, probe=probe)
        counts.update(batch)
        if batch.get(RATE_LIMITED) or batch.get(WAITING):
            break
    else:
        counts["more"] = 1
    _run_record(integration, started, counts)
    deliveries_tally(transport=transport, counts=counts)  # connector_deliveries_total
    return dict(counts)


def _run_record(integration: Integration, started: Any, counts: Counter[str]) -> None:
    """A SyncRun for a pass that hit trouble or moved a whole batch or more.

    A pass that sent one or two rows in the ordinary way is not recorded: at one per lead
    the table would grow as fast as the outbox, whose rows already say it all.
    """
    trouble = any(counts.get(key) for key in (RETRY, FAILED, HELD, RATE_LIMITED, WAITING))
    if not trouble and counts.get(DELIVERED, 0) < conf.batch_size():
        return
    run = SyncRun.objects.create(
        integration=integration, kind=SyncRun.Kind.DELIVER, finished_at=timezone.now(),
        status=SyncRun.Status.FAILED if counts.get(FAILED) else SyncRun.Status.SUCCEEDED,
        counts={key: value for key, value in counts.items() if key != "more"},
    )
    SyncRun.objects.filter(pk=run.pk).update(started_at=started)


def _deliver_rows(integration: Integration, transport: str, ids: list[int],
                  probe: bool = False) -> Counter[str]:
    """Send a claimed batch; delivered rows and new links are written once per batch.

    The rows of a batch are of different records (claim.py), so their HTTP calls are
    independent: they go out a few at a time on a small thread pool. Everything touching the
    database stays on this thread.
    """
    worker = worker_id()
    rows = list(OutboxRow.objects.filter(id__in=ids, claimed_by=worker).order_by("id"))
    records = _records_for(rows)
    batch = Batch(integration=integration, rows=rows, outcomes={}, worker=worker,
                  webhook=transport == WEBHOOK)
    try:
        events = events_for_rows(integration=integration, rows=rows)
    except Exception as error:  # a rendering bug must not strand the batch in `sending`
        logger.exception("rendering deliveries %s crashed", ids)
        for row in rows:
            batch.outcomes[row.id] = Outcome(
                RETRY, error=f"Internal error: {error.__class__.__name__}")
        return batch_settle(batch)
    if transport == WEBHOOK:
        integration.webhook  # noqa: B018 - loaded here: the send pool must not query
    outcomes: dict[int, Outcome] = {}
    ready: list[tuple[OutboxRow, Prepared, dict]] = []
    adapter = _BatchAdapter(adapter_cached(integration)) if transport == API else None
    for row in rows:
        early = _prepare(integration, adapter, row, records.get(row.record_id),
                         events.get(row.id), ready)
        if early is not None:
            outcomes[row.id] = early
    counts = _send(integration, transport, ready, outcomes, worker,
                   prepared_calls=adapter.tally if adapter else (0, 0))
    if transport == API:
        # A probe, or rows that waited under an issue (the cache's state may be gone): a
        # refusal may be ending.
        credentials_settle(integration=integration, outcomes=outcomes,
                           gated=probe or any(row.issue_id for row in rows))
    batch.outcomes = outcomes
    counts.update(batch_settle(batch))
    return counts


def _send(integration: Integration, transport: str,
          ready: list[tuple[OutboxRow, Prepared, dict]], outcomes: dict[int, Outcome],
          worker: str, prepared_calls: tuple[int, int]) -> Counter[str]:
    """The HTTP calls, a chunk at a time; stops early when the platform asks us to slow
    down (429) or turns out to be down (health.py: the rest wait for the probe)."""
    counts: Counter[str] = Counter()
    step = conf.send_concurrency()
    answered, failed = prepared_calls
    for start in range(0, len(ready) + 1, step):
        chunk = ready[start:start + step]
        for (row, _, _), outcome in zip(chunk, _pool().map(
                lambda item: _transmit(integration, transport, *item), chunk), strict=True):
            outcomes[row.id] = outcome
        chunk_outcomes = [outcomes[row.id] for row, _, _ in chunk]
        rest = [row for row, _, _ in ready[start + step:]]
        if transport == API and _refused(chunk_outcomes):
            # Every other call would be refused too: the rest wait with them (credentials.py).
            for row in rest:
                outcomes[row.id] = Outcome(FAILED, credentials_refused=True, tried=False,
                                           error="Not sent: the platform refuses the credentials.")
            break
        if transport == API and _platform_down(integration, chunk_outcomes, answered, failed):
            health = health_get(integration_id=integration.pk)
            for row_id, outcome in list(outcomes.items()):
                if outcome.platform_failure:
                    outcomes[row_id] = _waiting(health, outcome)
            for row in rest:
                outcomes[row.id] = _waiting(health, None)
            break
        answered = failed = 0
        if any(outcome.result == RATE_LIMITED for outcome in chunk_outcomes):
            _release(rest, worker=worker, retry_after=_retry_after(outcomes, chunk))
            counts[RATE_LIMITED] += len(rest)
            break
        if not rest:
            break
    return counts


def _refused(chunk: list[Outcome]) -> bool:
    """The platform refused the credentials and took no call of the chunk."""
    return any(o.credentials_refused for o in chunk) and not any(
        o.result in (DELIVERED, RATE_LIMITED) or (o.result == FAILED and not o.credentials_refused)
        for o in chunk)


def _platform_down(integration: Integration, chunk: list[Outcome], answered: int,
                   failed: int) -> bool:
    """Count a chunk's calls toward the platform's health; True when it is (still) down."""
    # A 429 is an answer too: the platform is up, only busy (Retry-After paces it).
    answered += sum(1 for o in chunk if o.result in (DELIVERED, FAILED, RATE_LIMITED))
    failed += sum(1 for o in chunk if o.platform_failure)
    state, health = health_record(integration_id=integration.pk, answered=answered,
                                  failed=failed)
    if state == BACK:
        _outage_log(integration, health=None)
        issues_resolve(integration_id=integration.pk, causes=[Cause(IssueKind.PLATFORM_DOWN)])
    elif state == DOWN and health.probes == 0 and failed:
        _outage_log(integration, health=health, error=next(
            (o.error for o in chunk if o.platform_failure), ""))
    return state == DOWN


def _waiting(health: Any, outcome: Outcome | None) -> Outcome:
    error = outcome.error if outcome is not None else ""
    return Outcome(WAITING, error=f"{error} (the platform is down: sent when it answers again)"
                   if error else "The platform is down: sent when it answers again.",
                   wait_until=health.probe_at, tried=outcome is not None)


def _outage_log(integration: Integration, *, health: Any, error: str = "") -> None:
    platform = integration.platform.name
    if health is None:
        summary = f"{platform} answers again: the deliveries that waited are being sent."
        level, detail = LogEntry.Level.INFO, ""
    else:
        summary = f"{platform} is not answering: deliveries wait and go out when it is back."
        level = LogEntry.Level.ERROR
        detail = (f"Its last answer: {error or 'none'}. The Connector tries one small batch "
                  f"every {conf.outage_probe_max_seconds():g} seconds at most; nothing is lost.")
    log_write(client_id=integration.client_id, integration_id=integration.pk, level=level,
              summary=summary[:300], detail=detail)


class _BatchAdapter(Adapter):
    """The destination's adapter for one batch's preparation (creating lead sources): after
    a temporary failure the batch's other rows fail the same way without calling again (a
    platform that times out must not cost a timeout per row), and calls are tallied for the
    platform's health."""

    def __init__(self, adapter: Adapter) -> None:
        super().__init__(adapter.config)
        self.inner = adapter
        self.capabilities = adapter.capabilities
        self.error: AdapterError | None = None
        self.answered = self.failed = 0

    @property
    def tally(self) -> tuple[int, int]:
        return self.answered, self.failed

    def create_lead_source(self, name: str, *, idempotency_key: str | None = None
                           ) -> RemoteLeadSourceRecord:
        if self.error is not None:
            raise self.error
        try:
            created = self.inner.create_lead_source(name, idempotency_key=idempotency_key)
        except AdapterError as error:
            if error.permanent:
                self.answered += 1
            else:
                self.error, self.failed = error, self.failed + 1
            raise
        self.answered += 1
        return created


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=conf.send_concurrency(),
                                       thread_name_prefix="delivery")
    return _executor


def _retry_after(outcomes: dict[int, Outcome], chunk: list) -> float | None:
    waits = [wait for row, _, _ in chunk if (wait := outcomes[row.id].retry_after) is not None]
    return max(waits) if waits else None


def _prepare(integration: Integration, adapter: Adapter | None, row: OutboxRow,
             record: Prospect | Member | None, event: dict | None,
             ready: list[tuple[OutboxRow, Prepared, dict]]) -> Outcome | None:
    """Complete the event (database work); an outcome when it is not to be sent now."""
    if record is None or event is None:
        return Outcome(FAILED, error="The record no longer exists in the Connector.")
    try:
        prepared = event_prepare(integration=integration, record=record,
                                 data=event.get("data", {}), adapter=adapter)
    except Exception as error:  # a bug must not strand the row in `sending`
        logger.exception("preparing delivery %s crashed", row.pk)
        return Outcome(RETRY, error=f"Internal error: {error.__class__.__name__}")
    if prepared.failure is not None:  # retried as a whole, with the usual backoff
        return adapter_error_outcome(prepared.failure, prefix=prepared.failure_prefix)
    if prepared.hold_reason:
        return Outcome(HELD, hold_reason=prepared.hold_reason, held_for=prepared.held_for)
    ready.append((row, prepared, event))
    return None


def _transmit(integration: Integration, transport: str, row: OutboxRow, prepared: Prepared,
              event: dict) -> Outcome:
    """The HTTP call (no database: it runs on the send pool)."""
    try:
        if transport == API:
            outcome = send_api_row(adapter=adapter_cached(integration), row=row,
                                   data=prepared.data)
        else:
            outcome = send_webhook_event(endpoint=integration.webhook,
                                         event={**event, "data": prepared.data})
    except Exception as error:
        logger.exception("delivery %s to integration %s crashed", row.pk, integration.pk)
        return Outcome(RETRY, error=f"Internal error: {error.__class__.__name__}")
    if outcome.result == DELIVERED:
        outcome.sent_without_owner = prepared.sent_without_owner
        outcome.sent_without_lead_source = prepared.sent_without_lead_source
        outcome.problems = prepared.problems
    return outcome


def _records_for(rows: list[OutboxRow]) -> dict[Any, Prospect | Member]:
    found: dict[Any, Prospect | Member] = {}
    for model, kind in ((Prospect, "prospect"), (Member, "member")):
        ids = {row.record_id for row in rows if row.kind == kind}
        if ids:
            queryset = model.objects.filter(pk__in=ids).select_related(
                "staff_owner__integration__platform", "lead_source__integration"
            )
            found.update({record.pk: record for record in queryset})
    return found


def _release(rows: list[OutboxRow], *, worker: str, retry_after: float | None) -> None:
    """Give back rows not tried because the platform asked us to slow down."""
    wait = min(retry_after or conf.quick_retry_base_seconds(), conf.retry_after_cap_seconds())
    OutboxRow.objects.filter(
        id__in=[row.id for row in rows], status=OutboxStatus.SENDING, claimed_by=worker
    ).update(status=OutboxStatus.PENDING, claimed_by="",
             next_attempt_at=timezone.now() + timedelta(seconds=wait))
