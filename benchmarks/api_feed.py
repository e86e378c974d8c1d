"""The change feed read through the API, next to a raw keyset read of the same rows.

Fills one receiver's feed with new-prospect events (ingested in-process, 500 at a time), then
reads it end to end through gunicorn (2 workers, production settings, `limit=1000`, one
partner following `next_cursor`), then reads the same rows with psycopg using the same
keyset and watermark, in the same run. Prints events/s for both and the ratio.

    .venv/bin/python benchmarks/api_feed.py [--events 20000]
"""

from __future__ import annotations

import argparse
import time
import uuid

import psycopg
import requests
from api_setup import CLIENT_ID, club, database_prepare, gunicorn_start, gunicorn_stop
from django.db import connection

from integrations.sync.inbound.ingest import records_ingest

PAGE = 1000
KEYSET_SQL = """
SELECT o.id, o.txid, o.event_type, o.record_id, c.data, c.created_at
FROM integrations_outboxrow o JOIN integrations_change c ON c.id = o.change_id
WHERE o.integration_id = %s AND (o.txid, o.id) > (%s, %s)
  AND o.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY o.txid, o.id LIMIT %s
"""


def fill(sender, events: int) -> None:
    run = uuid.uuid4().hex[:8]
    for b in range(events // 500):
        records_ingest(
            integration=sender,
            kind="prospect",
            records=[
                {
                    "external_id": f"{run}-{b}-{i}",
                    "first_name": "Ana",
                    "last_name": f"Lopez {i}",
                    "email": f"ana.{b}.{i}@example.com",
                    "staff_owner": {"external_id": f"E{i % 20}"},
                }
                for i in range(500)
            ],
        )


def read_api(base: str, key: str) -> tuple[int, float]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    url = f"{base}/api/v1/clients/{CLIENT_ID}/changes"
    cursor, count = "", 0
    start = time.perf_counter()
    while True:
        page = session.get(url, params={"after": cursor, "limit": PAGE}, timeout=60).json()
        if not page["results"]:
            return count, time.perf_counter() - start
        count += len(page["results"])
        cursor = page["next_cursor"]


def read_raw(integration_id: int) -> tuple[int, float]:
    db = connection.settings_dict
    dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        # The plan the feed uses (sync/feed.py): the index walked in order, never a sort of
        # every row after the cursor, which the planner picks while the table has no
        # statistics (right after the fill, as here) and which made this read quadratic.
        conn.execute("SET enable_sort = off")
        txid, row_id, count = 0, 0, 0
        start = time.perf_counter()
        while True:
            rows = conn.execute(KEYSET_SQL, (integration_id, txid, row_id, PAGE)).fetchall()
            if not rows:
                return count, time.perf_counter() - start
            count += len(rows)
            row_id, txid = rows[-1][0], rows[-1][1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    database_prepare()
    sender, receivers, _, keys = club()
    fill(sender, args.events)
    process, base = gunicorn_start(workers=2)
    try:
        read_api(base, keys[0])  # warm up
        api_count, api_seconds = read_api(base, keys[0])
    finally:
        gunicorn_stop(process)
    raw_count, raw_seconds = read_raw(receivers[0].pk)
    assert api_count == raw_count == args.events, (api_count, raw_count)
    api, raw = api_count / api_seconds, raw_count / raw_seconds
    print(f"events: {api_count}, pages of {PAGE}")
    print(f"feed through the API (gunicorn, 2 workers): {api:,.0f} events/s ({api_seconds:.2f} s)")
    print(f"raw keyset read (psycopg, same query):      {raw:,.0f} events/s ({raw_seconds:.2f} s)")
    print(f"ratio API / raw: {api / raw:.3f}")


if __name__ == "__main__":
    main()
