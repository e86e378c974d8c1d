"""The change feed never skips an event when transactions commit out of id order.

PostgreSQL only: there, sequence values are handed out at insert time and transactions
commit in any order, so a reader keyed on the id alone would move past a row that is still
uncommitted and never see it. On SQLite writers are serialized (one write transaction at a
time), so id order is commit order and the hazard cannot happen: these tests are skipped.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction

from integrations.models import OutboxRow, Prospect
from integrations.sync.delivery.feed import feed_page
from integrations.sync.inbound.ingest import records_ingest

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serializes writers: commits cannot happen out of id order.",
    ),
]


@pytest.fixture(autouse=True)
def _no_shared_placeholder(sender):
    # Writers naming the same new lead source would queue on its unique key and commit in
    # order; these tests need them independent.
    sender.default_lead_source_name = ""
    sender.save()


def record(ext: str) -> dict:
    return {"external_id": ext, "first_name": "A", "last_name": ext}


def naive_read(integration, after_id: int) -> list[OutboxRow]:
    """What a reader keyed on the id alone would serve."""
    return list(OutboxRow.objects.filter(integration=integration, id__gt=after_id).order_by("id"))


def feed_drain(integration, cursor, seen: list[str]) -> str:
    while True:
        events, cursor = feed_page(integration=integration, after=cursor, limit=50)
        if not events:
            return cursor
        seen += [e["data"]["last_name"] for e in events]


def in_thread(target, *args) -> threading.Thread:
    def run():
        try:
            target(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_row_committed_late_behind_a_newer_one_is_still_served(sender, receiver):
    inserted, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            records_ingest(integration=sender, kind="prospect", records=[record("A")])
            inserted.set()
            release.wait(10)

    writer = in_thread(slow_writer)
    assert inserted.wait(10)
    records_ingest(integration=sender, kind="prospect", records=[record("B")])

    # B is committed with the higher id while A (lower id) is still open.
    [b_row] = naive_read(receiver, 0)
    seen: list[str] = []
    cursor = feed_drain(receiver, None, seen)
    assert seen == []  # the watermark holds B back while the older transaction runs

    release.set()
    writer.join(10)
    a_row = OutboxRow.objects.get(
        integration=receiver, record_id=Prospect.objects.get(last_name="A").pk
    )
    assert a_row.pk < b_row.pk
    assert naive_read(receiver, b_row.pk) == []  # the id-only reader has skipped A for good

    deadline = time.monotonic() + 15
    while len(seen) < 2 and time.monotonic() < deadline:
        cursor = feed_drain(receiver, cursor, seen)
        time.sleep(0.05)
    assert seen == ["A", "B"]


def test_concurrent_writers_committing_out_of_order_lose_nothing(sender, receiver):
    writers, per_writer = 6, 8
    done = threading.Event()
    seen: list[str] = []
    rng = random.Random(7)
    delays = [[rng.uniform(0, 0.03) for _ in range(per_writer)] for _ in range(writers)]

    def write(w: int):
        for i in range(per_writer):
            with transaction.atomic():
                records_ingest(integration=sender, kind="prospect", records=[record(f"W{w}-{i}")])
                time.sleep(delays[w][i])  # commit later than writers that started after us

    def read():
        cursor = None
        while not done.is_set():
            cursor = feed_drain(receiver, cursor, seen)
            time.sleep(0.005)
        deadline = time.monotonic() + 15
        while len(seen) < writers * per_writer and time.monotonic() < deadline:
            cursor = feed_drain(receiver, cursor, seen)
            time.sleep(0.05)

    reader = in_thread(read)
    threads = [in_thread(write, w) for w in range(writers)]
    for thread in threads:
        thread.join(60)
    done.set()
    reader.join(60)

    expected = {f"W{w}-{i}" for w in range(writers) for i in range(per_writer)}
    assert len(seen) == len(set(seen)), "an event was served twice"
    assert set(seen) == expected, f"missing: {sorted(expected - set(seen))}"
    # The run did exercise the hazard: transaction order differs from id order.
    rows = list(OutboxRow.objects.filter(integration=receiver).order_by("id"))
    by_txid = sorted(rows, key=lambda r: (r.txid, r.pk))
    assert [r.pk for r in by_txid] != [r.pk for r in rows]
