"""Delivering outbox rows to their destination: claim, translate, send, record the outcome.

Three transports, one mechanism (design.md):
- `api` integrations: the platform's adapter (create / update through its REST contract);
- push partners with an active webhook: a signed POST per event;
- push partners without a webhook read the change feed. Their rows need no sending: the
  delivery pass marks them *delivered* ("published to the feed") as soon as they are due, and
  the feed serves every row of the integration in order whatever its status. Held rows do not
  exist for them: the feed event carries the owner it can translate (or none).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from django.db.models import Q
from django.utils import timezone

from integrations.adapters.base import Adapter
from integrations.models import Integration, Member, OutboxRow, Prospect, SyncRun, WebhookEndpoint
from integrations.models.choices import Mode
from integrations.models.sync import OutboxStatus
from integrations.sync import conf
from integrations.sync.claim import outbox_claim, worker_id
from integrations.sync.locks import integration_lock
from integrations.sync.outcomes import (
    DELIVERED,
    FAILED,
    HELD,
    RATE_LIMITED,
    RETRY,
    Outcome,
    outcome_store,
    warnings_log,
)
from integrations.sync.policy import event_prepare
from integrations.sync.send_api import send_api_row
from integrations.sync.send_webhook import send_webhook_event

logger = logging.getLogger(__name__)

API, WEBHOOK, FEED = "api", "webhook", "feed"
_adapters: dict[tuple[int, Any], Adapter] = {}


def transport_of(integration: Integration) -> str:
    """How rows reach this destination: 'api', 'webhook' or 'feed'."""
    if integration.mode == Mode.API:
        return API
    endpoint = WebhookEndpoint.objects.filter(integration=integration, active=True).first()
    return WEBHOOK if endpoint is not None else FEED


def adapter_cached(integration: Integration) -> Adapter:
    """One adapter (one pooled HTTP session) per integration per worker process."""
    from integrations.adapters import adapter_for

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
    counts: Counter[str] = Counter()
    run = None
    while time.monotonic() < deadline:
        ids = outbox_claim(integration_id=integration.pk, limit=conf.batch_size())
        if not ids:
            break
        run = run or SyncRun.objects.create(integration=integration, kind=SyncRun.Kind.DELIVER)
        batch = _deliver_rows(integration, transport, ids)
        counts.update(batch)
        if batch.get(RATE_LIMITED):
            break
    else:
        counts["more"] = 1
    if run is not None:
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now(), counts=dict(counts)
        )
    return dict(counts)


def _deliver_rows(integration: Integration, transport: str, ids: list[int]) -> Counter[str]:
    from integrations.sync.render import events_for_rows

    worker = worker_id()
    rows = list(OutboxRow.objects.filter(id__in=ids, claimed_by=worker).order_by("id"))
    records = _records_for(rows)
    events = events_for_rows(integration=integration, rows=rows)
    counts: Counter[str] = Counter()
    for index, row in enumerate(rows):
        outcome = _send_one(integration, transport, row, records.get(row.record_id),
                            events.get(row.id))
        result = outcome_store(row=row, integration=integration, outcome=outcome, worker=worker,
                               webhook=transport == WEBHOOK)
        counts[result] += 1
        if result == RATE_LIMITED:
            _release(rows[index + 1:], worker=worker, retry_after=outcome.retry_after)
            counts[RATE_LIMITED] += len(rows) - index - 1
            break
    return counts


def _send_one(integration: Integration, transport: str, row: OutboxRow,
              record: Prospect | Member | None, event: dict | None) -> Outcome:
    if record is None or event is None:
        return Outcome(FAILED, error="The record no longer exists in the Connector.")
    try:
        adapter = adapter_cached(integration) if transport == API else None
        prepared = event_prepare(integration=integration, record=record,
                                 data=event.get("data", {}), adapter=adapter)
        if prepared.hold_reason:
            return Outcome(HELD, hold_reason=prepared.hold_reason)
        if transport == API:
            outcome = send_api_row(adapter=adapter, integration=integration, row=row,
                                   data=prepared.data)
        else:
            outcome = send_webhook_event(endpoint=integration.webhook,
                                         event={**event, "data": prepared.data})
    except Exception as error:  # a bug must not strand the row in `sending`
        logger.exception("delivery %s to integration %s crashed", row.pk, integration.pk)
        return Outcome(RETRY, error=f"Internal error: {error.__class__.__name__}")
    if outcome.result == DELIVERED:
        outcome.sent_without_owner = prepared.sent_without_owner
        warnings_log(row=row, integration=integration, warnings=prepared.warnings)
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
    from datetime import timedelta

    wait = min(retry_after or conf.retry_base_seconds(), conf.retry_after_cap_seconds())
    OutboxRow.objects.filter(
        id__in=[row.id for row in rows], status=OutboxStatus.SENDING, claimed_by=worker
    ).update(status=OutboxStatus.PENDING, claimed_by="",
             next_attempt_at=timezone.now() + timedelta(seconds=wait))
