"""The change feed's reads: after a cursor, below the snapshot watermark, along the index.

Why PostgreSQL's own SQL (`integrations.sync.delivery.feed` has the whole story): sequence
values are handed out before commit, so rows can become visible out of id order. The feed
serves rows in (txid, id) order, only those whose writer's transaction id is below
`pg_snapshot_xmin(pg_current_snapshot())` (every transaction below it has finished), so no
row can appear behind a cursor already handed out. On SQLite writers are serialized: id order
is commit order. Measured by `benchmarks/api_feed.py` (docs/performance.md, "Change feed").
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

WATERMARK_SQL = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


def rows_after_cursor(rows: QuerySet, *, txid: int, row_id: int) -> QuerySet:
    """The outbox rows of `rows` after the cursor (txid, row_id) that the feed may serve now,
    in feed order."""
    if connection.vendor != "postgresql":
        return rows.filter(id__gt=row_id).order_by("id")
    watermark = RawSQL(WATERMARK_SQL, ())  # noqa: S611 - a constant, no parameters
    # After the cursor as one row comparison, which the (integration, txid, id) index starts
    # its scan at. Spelled `txid > t OR (txid = t AND id > i)`, the scan began at the
    # integration's oldest row and filtered out everything before the cursor: a page cost
    # more with every event kept (30 days of them; docs/performance.md).
    table = connection.ops.quote_name(rows.model._meta.db_table)
    after_cursor = RawSQL(  # noqa: S611 - the table name is ours, the values parameters
        f"({table}.txid, {table}.id) > (%s, %s)", (txid, row_id), output_field=BooleanField()
    )
    return rows.filter(after_cursor, txid__lt=watermark).order_by("txid", "id")


def rows_in_index_order(rows: QuerySet, limit: int) -> list:
    """The first `limit` rows, read along the feed index rather than sorted.

    Events newer than the table's statistics (a bulk import not yet analyzed) look to the
    planner like a handful of rows, so it chose to fetch every row after the cursor and sort
    them: a partner catching up read the whole rest of its feed for each page. With sorting
    priced out, the index, already in feed order, is walked and stops at the page's end.
    """
    if connection.vendor != "postgresql":
        return list(rows[:limit])
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
        page = list(rows[:limit])
        if not outermost:  # the setting would outlive this read until the caller commits
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_sort = on")
    return page


def watermark_now() -> int:
    """The transaction id below which every writer has finished (0 where writers are serialized):
    rows that become visible later all carry a transaction id at or above it."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {WATERMARK_SQL}")
        return int(cursor.fetchone()[0])
