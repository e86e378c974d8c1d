"""A dedicated delivery loop: the same work as the django-q2 tasks, without the broker.

`run_delivery_worker` runs it as a process (benchmarks, the SIGKILL test, a deployment that
wants delivery workers apart from the rest); any number of them share the work through the
row claims, alongside or instead of qcluster workers.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from django.db import close_old_connections, connection

from integrations.sync import conf
from integrations.sync.delivery.claim import integrations_with_due_rows, outbox_sweep
from integrations.sync.delivery.deliver import deliver_integration


def deliver_all_due(*, budget_seconds: float = 5.0) -> Counter[str]:
    """One pass over every destination with due rows; returns the summed counts."""
    counts: Counter[str] = Counter()
    for integration_id in integrations_with_due_rows():
        counts.update(deliver_integration(integration_id=integration_id,
                                          budget_seconds=budget_seconds))
    return counts


def worker_run(*, should_stop: Callable[[], bool], poll_seconds: float = 0.2,
               sweep_seconds: float = 30.0, recycle_connection: bool = True) -> Counter[str]:
    """Deliver until told to stop: sweep dead claims now and then, sleep when idle.

    With `recycle_connection` the database connection is closed between passes once it is
    older than CONN_MAX_AGE (or broken); a caller holding a session lock says False: the
    lock would go with the session.
    """
    total: Counter[str] = Counter()
    next_sweep = 0.0
    while not should_stop():
        if time.monotonic() >= next_sweep:
            outbox_sweep(older_than_seconds=conf.claim_timeout_seconds())
            next_sweep = time.monotonic() + sweep_seconds
        counts = deliver_all_due()
        total.update(counts)
        if recycle_connection and not connection.in_atomic_block:  # nor a caller's transaction
            close_old_connections()
        if not counts or set(counts) <= {"busy", "rate_limited", "retry", "waiting", "down"}:
            time.sleep(poll_seconds)
    return total
