"""Waking the delivery workers: after a commit that added outbox rows, and periodically."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

DELIVER_TASK = "integrations.tasks.deliver_integration_task"


def delivery_enqueue(*, integration_id: int) -> None:
    """Queue one delivery task for a destination now (no result row kept: it is frequent)."""
    from django_q.tasks import async_task

    async_task(DELIVER_TASK, integration_id, save=False, task_name=f"deliver-{integration_id}")


def deliveries_kick(*, integration_ids: Iterable[int]) -> None:
    """Queue a delivery task per destination once the current transaction commits.

    Called by ingest for the destinations it wrote rows for; outside a transaction it queues
    at once. The periodic sweep catches anything a lost kick leaves behind, so a broker that
    fails here is logged, not raised: the data is committed and the request answers as it
    should. The tasks are queued in one transaction: with the ORM broker, one commit for all.
    """
    ids = sorted(set(integration_ids))

    def enqueue() -> None:
        with transaction.atomic():
            for integration_id in ids:
                delivery_enqueue(integration_id=integration_id)

    if ids:
        transaction.on_commit(enqueue, robust=True)


def delivery_loop_enqueue() -> None:
    """Queue the next turn of the delivery loop (tasks.delivery_loop_task)."""
    from django_q.tasks import async_task

    async_task("integrations.tasks.delivery_loop_task", save=False, task_name="delivery-loop")
