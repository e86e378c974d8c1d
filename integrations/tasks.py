"""django-q2 tasks of the sync engine: they take ids, reload, and call one service.

Each can run twice, or after its object is gone, without harm.
"""

from __future__ import annotations

import logging
import time

from integrations.api.idempotency import idempotency_records_purge
from integrations.db.locks import integration_lock
from integrations.monitoring.tally import records_received_fold
from integrations.services.export import export_build, exports_expire
from integrations.services.retention import history_prune
from integrations.sync import conf
from integrations.sync.delivery.claim import integrations_with_due_rows, outbox_sweep
from integrations.sync.delivery.deliver import deliver_integration
from integrations.sync.delivery.recheck import outbox_recheck
from integrations.sync.delivery.release import pending_releases_run
from integrations.sync.delivery.wake import (
    delivery_enqueue,
    delivery_kick_started,
    delivery_loop_enqueue,
)
from integrations.sync.delivery.worker import worker_run
from integrations.sync.inbound.fetch import integration_fetch
from integrations.sync.issues.notify import issues_digest, issues_notify
from integrations.sync.issues.refresh import issues_refresh
from integrations.sync.schedules import fetch_schedules_sync

logger = logging.getLogger(__name__)


def deliver_integration_task(integration_id: int) -> dict:
    """Send one destination's due rows; queue a follow-up if the time budget ran out."""
    delivery_kick_started(integration_id=integration_id)  # before it claims: see wake.py
    counts = deliver_integration(integration_id=integration_id)
    if counts.get("more"):
        delivery_enqueue(integration_id=integration_id)
    return counts


def outbox_sweep_task() -> dict:
    """Periodic: re-queue rows of dead workers, kick destinations with due rows, release,
    follow up what went out incomplete (recheck.py), and resolve issues whose cause is gone."""
    requeued = outbox_sweep(older_than_seconds=conf.claim_timeout_seconds())
    due = integrations_with_due_rows()
    for integration_id in due:
        delivery_enqueue(integration_id=integration_id)
    released = pending_releases_run()
    followed = outbox_recheck()
    issues = issues_refresh()
    received = records_received_fold()
    return {"requeued": requeued, "kicked": len(due), "releases": released, **followed,
            "issues_resolved": issues["resolved"], "received": received}


def fetch_integration_task(integration_id: int) -> dict:
    """Fetch staff, lead sources and changed records from one `api` platform."""
    return integration_fetch(integration_id=integration_id)


def fetch_schedules_task() -> int:
    """Periodic: keep one fetch schedule per enabled `api` integration, at its interval."""
    return fetch_schedules_sync()


def delivery_loop_task(seconds: float | None = None) -> dict:
    """Deliver due rows as they appear, a few seconds at a time, then queue the next turn.

    Keeps push-to-arrival well under a second even for writers that do not kick a delivery
    task after their commit. One loop at a time (a lock); the every-minute schedule restarts
    it if the chain broke (a stopped cluster). Short turns let the cluster stop quickly.
    """


    turn = seconds if seconds is not None else conf.delivery_loop_seconds()
    with integration_lock(integration_id=LOOP_LOCK_ID, exclusive=True, wait_seconds=0) as held:
        if not held:
            return {"already_running": 1}
        deadline = time.monotonic() + turn
        # The lock is the session's: the connection stays for the turn (django-q2 closes
        # old connections between tasks).
        counts = worker_run(should_stop=lambda: time.monotonic() >= deadline,
                            poll_seconds=0.1, sweep_seconds=turn * 2, recycle_connection=False)
    delivery_loop_enqueue()
    return dict(counts)


# The loop's lock shares the integrations' lock space; no integration has id 0.
LOOP_LOCK_ID = 0


def idempotency_purge_task() -> int:
    """Forget Idempotency-Key answers older than the 24 hours the contract keeps them."""
    return idempotency_records_purge()


def history_prune_task() -> dict:
    """Hourly: prune history older than its retention, a few short transactions at a time,
    and exports older than a day."""
    return {**history_prune(), "exports": exports_expire()}


def issues_notify_task() -> int:
    """Every few minutes: email issues that opened or have lasted an hour (once a day each)."""
    return issues_notify()


def issues_digest_task() -> int:
    """Daily: the digest of ongoing issues, to each club and to support."""
    return issues_digest()


def export_build_task(export_id: int) -> None:
    """Write a client's data export (its page shows the progress)."""
    export_build(export_id=export_id)
