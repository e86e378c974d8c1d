"""Waking the delivery workers: after a commit that added outbox rows, and periodically."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.db import transaction

from integrations.sync import conf

DELIVER_TASK = "integrations.tasks.deliver_integration_task"

# When this process last queued a delivery task per destination (time.monotonic()).
_kicked_at: dict[int, float] = {}


def delivery_enqueue(*, integration_id: int) -> None:
    """Queue one delivery task for a destination now (no result row kept: it is frequent)."""
    from django_q.tasks import async_task

    async_task(DELIVER_TASK, integration_id, save=False, task_name=f"deliver-{integration_id}")


def deliveries_kick(*, integration_ids: Iterable[int]) -> None:
    """Queue a delivery task per destination once the current transaction commits.

    Called by ingest for the destinations it wrote rows for; outside a transaction it queues
    at once. A kick only shortens the wait: the delivery loop polls for due rows every 0.1 s
    and the periodic sweep queues what is left, so
    - a destination this process kicked less than `CONNECTOR_KICK_EVERY_SECONDS` ago is not
      kicked again (a busy sender would otherwise queue a task per batch, ~50 a second, each
      one a broker write here and a claim query in a worker);
    - a broker that fails here is logged, not raised: the data is committed and the request
      answers as it should.
    The tasks are queued in one transaction: with the ORM broker, one commit for all.
    """
    now, every = time.monotonic(), conf.kick_every_seconds()
    ids = sorted(i for i in set(integration_ids) if now - _kicked_at.get(i, float("-inf")) >= every)

    def enqueue() -> None:
        with transaction.atomic():
            for integration_id in ids:
                delivery_enqueue(integration_id=integration_id)
        _kicked_at.update(dict.fromkeys(ids, time.monotonic()))

    if ids:
        transaction.on_commit(enqueue, robust=True)


def delivery_loop_enqueue() -> None:
    """Queue the next turn of the delivery loop (tasks.delivery_loop_task)."""
    from django_q.tasks import async_task

    async_task("integrations.tasks.delivery_loop_task", save=False, task_name="delivery-loop")
