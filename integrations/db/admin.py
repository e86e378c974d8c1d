"""The support admin's big lists: a row estimate instead of COUNT(*).

Measured by `benchmarks/admin_lists.py` (docs/performance.md, "Support admin"): counting a
100,000-row table on every page view was most of the page's time.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import QuerySet


def table_row_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows in the queryset's table (from the last analyze), or
    None where the database keeps none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None
