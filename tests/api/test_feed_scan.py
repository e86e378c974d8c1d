"""A feed page reads from the cursor on, however many events the feed keeps around it.

PostgreSQL only: there the feed's order is (transaction id, id) and the cursor a row
comparison the index starts its scan at. Two ways a page used to read far more than itself:
- spelled as `txid > t OR (txid = t AND id > i)`, the scan began at the integration's oldest
  event and filtered out every one before the cursor (30 days of them, kept);
- with no statistics yet (a bulk import into a new table, before autovacuum analyzes it), the
  planner fetched every event after the cursor and sorted them, for each page.
"""

from __future__ import annotations

import pytest
from django.db import connection

from integrations.models import Change, OutboxRow
from integrations.sync.delivery.feed import cursor_encode, feed_page

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="The (txid, id) order is PostgreSQL's."
)

ROWS, PER_TRANSACTION, PAGE = 6000, 50, 50
FIRST_TXID = 3  # the lowest normal transaction id: every event's is below the watermark


def outbox_rows_read() -> int:
    """Outbox rows this transaction has read so far, by any scan (the statistics views)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)"
            " FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
            [OutboxRow._meta.db_table],
        )
        return cursor.fetchone()[0]


def events_add(receiver, change: Change) -> None:
    """ROWS events, PER_TRANSACTION per (old, finished) transaction id."""
    OutboxRow.objects.bulk_create(
        OutboxRow(
            integration=receiver,
            change=change,
            kind="prospect",
            record_id=change.record_id,
            event_type=change.event_type,
            txid=FIRST_TXID + i // PER_TRANSACTION,
        )
        for i in range(ROWS)
    )


@pytest.fixture(params=["analyzed", "never analyzed"])
def kept_events(request, receiver):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        last_txid = FIRST_TXID + ROWS // PER_TRANSACTION
        assert cursor.fetchone()[0] > last_txid, "the cluster is too new for this test"
    change = Change.objects.create(
        client=receiver.client, kind="prospect", record_id="0" * 32, event_type="prospect.created"
    )
    events_add(receiver, change)
    with connection.cursor() as cursor:
        if request.param == "analyzed":
            cursor.execute(f"ANALYZE {OutboxRow._meta.db_table}")
        else:  # as a new table is until autovacuum first gets to it (undone with the test)
            cursor.execute(
                "UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = %s::regclass",
                [OutboxRow._meta.db_table],
            )
            cursor.execute(
                "DELETE FROM pg_statistic WHERE starelid = %s::regclass",
                [OutboxRow._meta.db_table],
            )
    return list(OutboxRow.objects.filter(integration=receiver).order_by("txid", "id"))


@pytest.mark.parametrize("position", [120, ROWS - 2 * PAGE], ids=["catching up", "late"])
def test_a_page_reads_only_its_own_rows(receiver, kept_events, position):
    behind = kept_events[position - 7]  # mid-transaction: the id breaks the tie
    after = cursor_encode(behind.txid, behind.pk)

    read_before = outbox_rows_read()
    events, _ = feed_page(integration=receiver, after=after, limit=PAGE)
    read = outbox_rows_read() - read_before

    expected = kept_events[position - 6 :][:PAGE]
    assert [e["id"] for e in events] == [f"evt_{row.pk}" for row in expected]
    # The scan starts at the cursor and stops at the page's end: it reads the page (and at
    # most the row that ends it), never the thousands of rows before or after.
    assert read <= PAGE + 1


def test_the_sort_setting_does_not_outlive_the_page(receiver, kept_events):
    feed_page(integration=receiver, after=None, limit=PAGE)  # inside the test's transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_sort")
        assert cursor.fetchone()[0] == "on"
