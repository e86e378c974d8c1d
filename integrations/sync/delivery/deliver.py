"""Delivering outbox rows to their destination: claim, translate, send, record the outcome.

Three transports, one mechanism (design.md):
- `api` integrations: the platform's adapter (create / update through its REST contract);
- push partners with an active webhook: a signed POST per event;
- push partners without a webhook read the change feed. Their rows need no sending: ingest
  writes them *delivered* ("published to the feed", `routing.Receiver.reads_feed`), and a row
  made pending again later (a re-send from the admin) is marked delivered by the delivery pass
  as soon as it is due. The feed serves every row of the integration in order whatever its
  status. Held rows do not exist for them: the feed event carries the owner it can translate
  (or none).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.adapters import adapter_for
from integrations.adapters.base import Adapter
from integrations.db.locks import integration_lock
from integrations.models import Integration, Member, OutboxRow, Prospect, SyncRun, WebhookEndpoint
from integrations.models.choices import Mode
from integrations.models.sync import OutboxStatus
from integrations.monitoring.tally import deliveries_tally
from integrations.sync import conf
from integrations.sync.delivery.claim import outbox_claim, worker_id
from integrations.sync.delivery.completion import Prepared, event_prepare
from integrations.sync.delivery.events import events_for_rows
from integrations.sync.delivery.outcomes import (
    DELIVERED,
    FAILED,
    HELD,
    RATE_LIMITED,
    RETRY,
    Outcome,
    delivered_store,
    outcome_store,
    warnings_log,
)
from integrations.sync.delivery.send_api import links_store, send_api_row
from integrations.sync.delivery.send_webhook import send_webhook_event

logger = logging.getLogger(__name__)

API, WEBHOOK, FEED = "api", "webhook", "feed"
_adapters: dict[tuple[int, Any], Adapter] = {}
_executor: ThreadPoolExecutor | None = None


def transport_of(integration: Integration) -> str:
    """How rows reach this destination: 'api', 'webhook' or 'feed'."""
    if integration.mode == Mode.API:
        return API
    endpoint = WebhookEndpoint.objects.filter(integration=integration, active=True).first()
    return WEBHOOK if endpoint is not None else FEED


def adapter_cached(integration: Integration) -> Adapter:
    """One adapter (one pooled HTTP session) per integration per worker process."""
    key = (integration.pk, integration.updated_at)
    adapter = _adapters.get(key)
    if adapter is None:
        for stale in [k for k in _adapters if k[0] == integration.pk]:
            del _adapters[stale]
        adapter = _adapters[key] = adapter_for(integration)
    return adapter


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
        ids = outbox_claim(integration_id=integration.pk, limit=conf.batch_size())
        if not ids:
            break
        batch = _deliver_rows(integration, transport, ids)
        counts.update(batch)
        if batch.get(RATE_LIMITED):
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
    trouble = any(counts.get(key) for key in (RETRY, FAILED, HELD, RATE_LIMITED))
    if not trouble and counts.get(DELIVERED, 0) < conf.batch_size():
        return
    run = SyncRun.objects.create(
        integration=integration, kind=SyncRun.Kind.DELIVER, finished_at=timezone.now(),
        status=SyncRun.Status.FAILED if counts.get(FAILED) else SyncRun.Status.SUCCEEDED,
        counts={key: value for key, value in counts.items() if key != "more"},
    )
    SyncRun.objects.filter(pk=run.pk).update(started_at=started)


def _deliver_rows(integration: Integration, transport: str, ids: list[int]) -> Counter[str]:
    """Send a claimed batch; delivered rows and new links are written once per batch.

    The rows of a batch are of different records (claim.py), so their HTTP calls are
    independent: they go out a few at a time on a small thread pool. Everything touching the
    database stays on this thread.
    """
    worker = worker_id()
    rows = list(OutboxRow.objects.filter(id__in=ids, claimed_by=worker).order_by("id"))
    records = _records_for(rows)
    try:
        events = events_for_rows(integration=integration, rows=rows)
    except Exception as error:  # a rendering bug must not strand the batch in `sending`
        logger.exception("rendering deliveries %s crashed", ids)
        failure = Outcome(RETRY, error=f"Internal error: {error.__class__.__name__}")
        for row in rows:
            outcome_store(row=row, integration=integration, outcome=failure, worker=worker,
                          webhook=transport == WEBHOOK)
        return Counter({RETRY: len(rows)})
    if transport == WEBHOOK:
        integration.webhook  # noqa: B018 - loaded here: the send pool must not query
    counts: Counter[str] = Counter()
    outcomes: dict[int, Outcome] = {}
    ready: list[tuple[OutboxRow, Prepared, dict]] = []
    for row in rows:
        early = _prepare(integration, transport, row, records.get(row.record_id),
                         events.get(row.id), ready)
        if early is not None:
            outcomes[row.id] = early
    step = conf.send_concurrency()
    for start in range(0, len(ready), step):
        chunk = ready[start:start + step]
        for (row, _, _), outcome in zip(chunk, _pool().map(
                lambda item: _transmit(integration, transport, *item), chunk), strict=True):
            outcomes[row.id] = outcome
        if any(outcomes[row.id].result == RATE_LIMITED for row, _, _ in chunk):
            rest = [row for row, _, _ in ready[start + step:]]
            _release(rest, worker=worker, retry_after=_retry_after(outcomes, chunk))
            counts[RATE_LIMITED] += len(rest)
            break
    delivered = [row for row in rows if row.id in outcomes
                 and outcomes[row.id].result == DELIVERED]
    _delivered_store(integration, delivered, outcomes, worker)
    counts[DELIVERED] += len(delivered)
    for row in rows:
        if row.id in outcomes and outcomes[row.id].result != DELIVERED:
            counts[outcome_store(row=row, integration=integration, outcome=outcomes[row.id],
                                 worker=worker, webhook=transport == WEBHOOK)] += 1
    return counts


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=conf.send_concurrency(),
                                       thread_name_prefix="delivery")
    return _executor


def _retry_after(outcomes: dict[int, Outcome], chunk: list) -> float | None:
    waits = [wait for row, _, _ in chunk if (wait := outcomes[row.id].retry_after) is not None]
    return max(waits) if waits else None


def _delivered_store(integration: Integration, rows: list[OutboxRow],
                     outcomes: dict[int, Outcome], worker: str) -> None:
    created = [(row, outcomes[row.id].created_external_id) for row in rows
               if outcomes[row.id].created_external_id]
    with transaction.atomic():
        if created:
            links_store(integration=integration, created=created)
        delivered_store(rows=rows, outcomes=outcomes, worker=worker)
    for row in rows:
        if outcomes[row.id].warnings:
            warnings_log(row=row, integration=integration, warnings=outcomes[row.id].warnings)


def _prepare(integration: Integration, transport: str, row: OutboxRow,
             record: Prospect | Member | None, event: dict | None,
             ready: list[tuple[OutboxRow, Prepared, dict]]) -> Outcome | None:
    """Complete the event (database work); an outcome when it is not to be sent now."""
    if record is None or event is None:
        return Outcome(FAILED, error="The record no longer exists in the Connector.")
    try:
        adapter = adapter_cached(integration) if transport == API else None
        prepared = event_prepare(integration=integration, record=record,
                                 data=event.get("data", {}), adapter=adapter)
    except Exception as error:  # a bug must not strand the row in `sending`
        logger.exception("preparing delivery %s crashed", row.pk)
        return Outcome(RETRY, error=f"Internal error: {error.__class__.__name__}")
    if prepared.hold_reason:
        return Outcome(HELD, hold_reason=prepared.hold_reason)
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
        outcome.warnings = prepared.warnings
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
    wait = min(retry_after or conf.retry_base_seconds(), conf.retry_after_cap_seconds())
    OutboxRow.objects.filter(
        id__in=[row.id for row in rows], status=OutboxStatus.SENDING, claimed_by=worker
    ).update(status=OutboxStatus.PENDING, claimed_by="",
             next_attempt_at=timezone.now() + timedelta(seconds=wait))
