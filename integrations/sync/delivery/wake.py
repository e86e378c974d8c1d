"""Waking the delivery workers: after a commit that added outbox rows, and periodically."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django_q.tasks import async_task

from integrations.sync import conf

DELIVER_TASK = "integrations.tasks.deliver_integration_task"


def _pending_key(integration_id: int) -> str:
    return f"delivery-kick-pending:{integration_id}"


def delivery_enqueue(*, integration_id: int) -> None:
    """Queue one delivery task for a destination now (no result row kept: it is frequent)."""
    async_task(DELIVER_TASK, integration_id, save=False, task_name=f"deliver-{integration_id}")


def delivery_kick_started(*, integration_id: int) -> None:
    """A delivery task for this destination starts (before it claims rows): the next commit
    that adds rows for it kicks again."""
    cache.delete(_pending_key(integration_id))


def deliveries_kick(*, integration_ids: Iterable[int]) -> None:
    """Queue a delivery task per destination once the current transaction commits.

    Called by ingest for the destinations it wrote rows for; outside a transaction it queues
    at once. A destination that already has a kick queued and not yet started is not kicked
    again: that task claims after it starts, so it finds these rows too (a busy sender would
    otherwise queue a task per batch, ~50 a second, each one a broker write here and a claim
    query in a worker). The mark is a cache key the task deletes when it starts; if the task
    is lost, the mark lapses after `CONNECTOR_KICK_PENDING_SECONDS`, and meanwhile the
    delivery loop (every 0.1 s) and the sweep deliver the rows.

    A broker that fails here is logged, not raised: the data is committed and the request
    answers as it should. The tasks are queued in one transaction: with the ORM broker, one
    commit for all.
    """
    ids = sorted(set(integration_ids))

    def enqueue() -> None:
        pending = conf.kick_pending_seconds()
        due = [i for i in ids if cache.add(_pending_key(i), 1, timeout=pending)]
        if not due:  # every destination already has a kick queued: no empty transaction
            return
        try:
            with transaction.atomic():
                for integration_id in due:
                    delivery_enqueue(integration_id=integration_id)
        except Exception:
            cache.delete_many([_pending_key(i) for i in due])  # the next commit tries again
            raise

    if ids:
        transaction.on_commit(enqueue, robust=True)


def delivery_loop_enqueue() -> None:
    """Queue the next turn of the delivery loop (tasks.delivery_loop_task)."""
    async_task("integrations.tasks.delivery_loop_task", save=False, task_name="delivery-loop")
