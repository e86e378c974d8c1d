"""Claiming due outbox rows so any number of workers share the work, and the sweeper.

Concurrent workers skip each other's rows instead of waiting (`db.claims`).

Per-record order: a row is due only when no earlier row for the same record and destination is
still undelivered (pending, held, sending or failed). A discarded row no longer blocks.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.db.claims import outbox_due_ids_locked
from integrations.models import OutboxRow
from integrations.models.sync import OutboxStatus

BLOCKING_STATUSES = (
    OutboxStatus.PENDING,
    OutboxStatus.HELD,
    OutboxStatus.SENDING,
    OutboxStatus.FAILED,
)

_WORKER_ID = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def worker_id() -> str:
    """This process's name in `claimed_by` (host, pid, and a nonce in case pids are reused)."""
    return _WORKER_ID


def outbox_claim(*, integration_id: int, limit: int, worker: str | None = None) -> list[int]:
    """Claim up to `limit` due rows of one destination for this worker; returns their ids."""
    now = timezone.now()
    with transaction.atomic():
        ids = outbox_due_ids_locked(
            integration_id=integration_id, now=now, limit=limit, blocking=BLOCKING_STATUSES
        )
        if ids:
            OutboxRow.objects.filter(id__in=ids, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.SENDING, claimed_at=now, claimed_by=worker or worker_id()
            )
    return ids


def integrations_with_due_rows() -> list[int]:
    """Destinations that have rows waiting to be sent now (the periodic sweep kicks these)."""
    now = timezone.now()
    ids = (
        OutboxRow.objects.filter(status=OutboxStatus.PENDING)
        .exclude(next_attempt_at__gt=now)
        .values_list("integration_id", flat=True)
        .distinct()
    )
    return sorted(set(ids))


def outbox_sweep(*, older_than_seconds: float) -> int:
    """Put rows back to pending whose worker died mid-send (claimed long ago, still sending).

    A slow worker that is in fact alive finishes later and finds its claim gone: its result
    update is conditional on `claimed_by`, and the re-send is harmless (Idempotency-Key on
    creates, updates are idempotent, webhook receivers drop duplicate `webhook-id`s).
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    # Counted as an attempt, so the next one looks the record up before creating it again.
    return OutboxRow.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=cutoff).update(
        status=OutboxStatus.PENDING,
        claimed_by="",
        next_attempt_at=None,
        attempts=F("attempts") + 1,
        last_error="The worker sending it stopped before it finished; sent again.",
    )
