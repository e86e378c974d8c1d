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
from typing import Any

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


def outbox_claim(*, integration_id: int, limit: int, worker: str | None = None,
                 due_at: Any = None) -> list[int]:
    """Claim up to `limit` rows of one destination due at `due_at` (now) for this worker;
    returns their ids."""
    now = timezone.now()
    with transaction.atomic():
        ids = outbox_due_ids_locked(
            integration_id=integration_id, now=due_at or now, limit=limit,
            blocking=BLOCKING_STATUSES,
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
    stale = OutboxRow.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=cutoff)
    return _requeue(stale) + outbox_sweep_local_dead()


def outbox_sweep_local_dead() -> int:
    """Put back at once the rows claimed by workers of this machine that no longer run.

    A worker killed and started again (or replaced by qcluster) would otherwise leave its
    batch waiting for the claim timeout (minutes). A claim names its host and process id
    (`worker_id`); a process of this host that is gone cannot be sending. A pid reused by
    another process looks alive: those rows wait for the timeout, as before.
    """
    host = _WORKER_ID.split(":", 1)[0]
    claims = set(
        OutboxRow.objects.filter(status=OutboxStatus.SENDING, claimed_by__startswith=f"{host}:")
        .values_list("claimed_by", flat=True).distinct()[:100]
    )
    dead = [claim for claim in claims if claim != _WORKER_ID and not _alive(claim)]
    if not dead:
        return 0
    return _requeue(OutboxRow.objects.filter(status=OutboxStatus.SENDING, claimed_by__in=dead))


def _alive(claim: str) -> bool:
    try:
        pid = int(claim.split(":")[1])
        os.kill(pid, 0)
    except (IndexError, ValueError):
        return True  # not a claim of ours: leave it to the timeout
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _requeue(rows: Any) -> int:
    # Counted as an attempt; the create is sent again with the same Idempotency-Key.
    return rows.update(
        status=OutboxStatus.PENDING,
        claimed_by="",
        next_attempt_at=None,
        attempts=F("attempts") + 1,
        last_error="The worker sending it stopped before it finished; sent again.",
    )
