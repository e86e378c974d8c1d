"""Pruning old change snapshots: one statement per window of ids.

Why SQL: a change is protected by the outbox rows that refer to it (Django's PROTECT), and the
ORM's delete asks the outbox for each batch's references by `change_id`, a column no index
serves (each index there costs every ingest write; docs/performance.md): a scan of millions of
rows per batch. The pruner knows which changes are still referred to (the outbox rows it keeps)
and says so here instead. Measured by `benchmarks/retention_prune.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db import connection

from integrations.db.lookups import membership_sql
from integrations.models import Change


def changes_delete(
    *, first_id: int, end_id: int, before: dt.datetime, keep: Collection[int]
) -> int:
    """Delete the changes with `first_id <= id < end_id` made before `before`, except `keep`
    (those outbox rows still refer to); returns how many."""
    table = connection.ops.quote_name(Change._meta.db_table)
    sql = f"DELETE FROM {table} WHERE id >= %s AND id < %s AND created_at < %s"  # noqa: S608 - our table
    params: list = [first_id, end_id, before]
    kept = sorted(set(keep))
    if kept:
        where, kept_params = membership_sql(connection, "id", kept, "bigint")
        sql += f" AND NOT ({where})"
        params += kept_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
