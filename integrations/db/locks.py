"""A readers-writer lock per integration: deliveries share it, a fetch holds it alone.

Why: a fetch that lists the platform's changed records while a delivery has just created one
there (and not yet stored its external id) would take the Connector's own write for a new
record. So a fetch waits for running delivery batches and blocks new ones until it is done.

PostgreSQL: session advisory locks (shared / exclusive), valid across machines. Session-level,
not transaction-level, on purpose: a holder commits many transactions (claims, outcomes,
ingested pages) and makes HTTP calls while it holds the lock. So a worker needs a session of
its own: PostgreSQL directly or a pooler in session mode, not PgBouncer's transaction mode
(docs/operations.md, "Connection poolers"; the web processes take no such lock).
SQLite (one machine by nature): `flock` on a file per integration under VAR_DIR.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.utils import OperationalError

logger = logging.getLogger(__name__)
_LOCK_CLASS = 0x5359  # "SY": namespaces our advisory locks from anyone else's


@contextlib.contextmanager
def integration_lock(
    *, integration_id: int, exclusive: bool, wait_seconds: float
) -> Iterator[bool]:
    """Hold the integration's lock (shared or exclusive) while inside; yields False if busy."""
    if connection.vendor == "postgresql":
        with _advisory_lock(integration_id, exclusive, wait_seconds) as held:
            yield held
    else:
        with _file_lock(integration_id, exclusive, wait_seconds) as held:
            yield held


@contextlib.contextmanager
def _advisory_lock(integration_id: int, exclusive: bool, wait_seconds: float) -> Iterator[bool]:
    suffix = "" if exclusive else "_shared"
    held = False
    with connection.cursor() as cursor:
        if wait_seconds <= 0:
            cursor.execute(
                f"SELECT pg_try_advisory_lock{suffix}(%s, %s)", [_LOCK_CLASS, integration_id]
            )
            held = bool(cursor.fetchone()[0])
        else:
            held = _advisory_wait(cursor, suffix, integration_id, wait_seconds)
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT pg_advisory_unlock{suffix}(%s, %s)", [_LOCK_CLASS, integration_id]
                )
                if not cursor.fetchone()[0]:  # another server session: a transaction pooler?
                    logger.error(
                        "The lock of integration %s was not this session's to release: a "
                        "worker needs a session of its own (docs/operations.md, "
                        "\"Connection poolers\").", integration_id)


def _advisory_wait(cursor, suffix: str, integration_id: int, wait_seconds: float) -> bool:
    # A waiting request queues in PostgreSQL's lock manager, so new shared holders cannot
    # starve it. lock_timeout bounds the wait; the session lock outlives the transaction.
    try:
        with transaction.atomic():
            cursor.execute(f"SET LOCAL lock_timeout = '{int(wait_seconds * 1000)}ms'")
            cursor.execute(
                f"SELECT pg_advisory_lock{suffix}(%s, %s)", [_LOCK_CLASS, integration_id]
            )
    except OperationalError:
        return False
    return True


@contextlib.contextmanager
def _file_lock(integration_id: int, exclusive: bool, wait_seconds: float) -> Iterator[bool]:
    directory = Path(settings.VAR_DIR) / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    with open(directory / f"integration-{integration_id}.lock", "a+") as handle:
        held = _flock_wait(handle, mode, wait_seconds)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _flock_wait(handle, mode: int, wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
