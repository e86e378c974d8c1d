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
    at once. The periodic sweep catches anything a lost kick leaves behind.
    """
    for integration_id in sorted(set(integration_ids)):
        transaction.on_commit(
            lambda integration_id=integration_id: delivery_enqueue(integration_id=integration_id)
        )


def delivery_loop_enqueue() -> None:
    """Queue the next turn of the delivery loop (tasks.delivery_loop_task)."""
    from django_q.tasks import async_task

    async_task("integrations.tasks.delivery_loop_task", save=False, task_name="delivery-loop")
