"""Due outbox rows of one destination, locked for the claiming worker.

PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` — workers on any number of machines skip each
other's rows instead of waiting (the reason this is SQL: the ORM's `skip_locked` cannot say
"no earlier undelivered row of the same record" without a correlated subquery of its own).
SQLite: write transactions are serialized (`BEGIN IMMEDIATE`), so a plain select-then-update
inside one transaction is already exclusive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from integrations.models import OutboxRow


def _due_ids_sql(*, statuses: Sequence[str], skip_locked: bool) -> str:
    table = OutboxRow._meta.db_table
    blocking = ", ".join(f"'{s}'" for s in statuses)
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    # The statuses are the caller's constants, never input: no injection possible.
    return (
        f"SELECT o.id FROM {table} o WHERE o.integration_id = %s AND o.status = 'pending'"  # noqa: S608
        " AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {table} e WHERE e.integration_id = o.integration_id"
        f" AND e.record_id = o.record_id AND e.id < o.id AND e.status IN ({blocking}))"
        f" ORDER BY o.id LIMIT %s{lock}"
    )


def outbox_due_ids_locked(
    *, integration_id: int, now: dt.datetime, limit: int, blocking: Sequence[str]
) -> list[int]:
    """Ids of up to `limit` pending rows due at `now`, oldest first, none of them behind an
    earlier row of the same record in one of the `blocking` statuses; locked until the
    caller's transaction ends, rows other workers hold skipped."""
    sql = _due_ids_sql(statuses=blocking, skip_locked=connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        cursor.execute(sql, [integration_id, now, limit])
        return [row[0] for row in cursor.fetchall()]
