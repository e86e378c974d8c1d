"""Queue a re-matching run for an integration once the current transaction commits."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task

REMATCH_TASK = "mappings.tasks.integration_rematch"


def rematch_queue(*, integration_id: int) -> None:
    """Enqueue `integration_rematch` after commit, so the worker sees the new roster."""

    def enqueue() -> None:
        async_task(REMATCH_TASK, integration_id, task_name=f"rematch-{integration_id}")

    transaction.on_commit(enqueue)
