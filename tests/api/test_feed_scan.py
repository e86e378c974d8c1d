"""A feed page reads from the cursor on, however many events the feed keeps before it.

PostgreSQL only: there the feed's order is (transaction id, id) and the cursor a row
comparison the index starts its scan at. Spelled as `txid > t OR (txid = t AND id > i)`, the
same query scanned the integration's rows from the oldest and filtered out every one before
the cursor: a page of a feed with 30 days of events behind it read all of them.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection

from integrations.models import Change, OutboxRow
from integrations.sync.feed import cursor_encode, feed_page, feed_queryset

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="The (txid, id) order is PostgreSQL's."
)

ROWS, PER_TRANSACTION, PAGE = 6000, 50, 50


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


@pytest.fixture
def kept_events(receiver):
    """ROWS events for `receiver`, PER_TRANSACTION per (old, finished) transaction id."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        own = cursor.fetchone()[0]
    first = 3  # the lowest normal transaction id: all of these are below the watermark
    assert first + ROWS // PER_TRANSACTION < own, "the cluster is too new for this test"
    change = Change.objects.create(
        client=receiver.client, kind="prospect", record_id="0" * 32, event_type="prospect.created"
    )
    OutboxRow.objects.bulk_create(
        OutboxRow(
            integration=receiver,
            change=change,
            kind="prospect",
            record_id=change.record_id,
            event_type=change.event_type,
            txid=first + i // PER_TRANSACTION,
        )
        for i in range(ROWS)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {OutboxRow._meta.db_table}")
    return list(OutboxRow.objects.filter(integration=receiver).order_by("txid", "id"))


def test_a_page_late_in_the_feed_reads_only_its_own_rows(receiver, kept_events):
    behind = kept_events[ROWS - 2 * PAGE - 7]  # mid-transaction: the id breaks the tie
    after = cursor_encode(behind.txid, behind.pk)

    events, _ = feed_page(integration=receiver, after=after, limit=PAGE)
    expected = kept_events[ROWS - 2 * PAGE - 6 :][:PAGE]
    assert [e["id"] for e in events] == [f"evt_{row.pk}" for row in expected]

    plan = feed_queryset(integration=receiver, after=after)[:PAGE].explain(
        format="json", analyze=True
    )

    scans = [
        node
        for node in plan_nodes(json.loads(plan)[0]["Plan"])
        if node.get("Relation Name") == OutboxRow._meta.db_table
    ]
    assert len(scans) == 1, plan
    scan = scans[0]
    assert scan.get("Index Name") == "outbox_feed_order", plan
    # The scan starts at the cursor: it reads the page (and at most the row that ends it),
    # never the thousands of rows before.
    assert scan["Actual Rows"] <= PAGE + 1, plan
    assert scan.get("Rows Removed by Filter", 0) == 0, plan
