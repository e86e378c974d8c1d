"""Batch ingest through the partner API, next to raw psycopg COPY of the same rows.

500-record batches of new prospects, each fanned out to 2 receiving integrations, POSTed to
gunicorn (2 workers, production settings) on PostgreSQL; then the same rows COPYed into a
plain table by psycopg, in the same run. Prints records/s for both and the ratio.

    .venv/bin/python benchmarks/api_ingest.py [--batches 40] [--clients 2]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid

import orjson
import psycopg
import requests
from api_setup import CLIENT_ID, club, database_prepare, gunicorn_start, gunicorn_stop
from cpu import children_cpu, postgres_cpu
from django.db import connection

from integrations.models import OutboxRow

BATCH = 500


def batches(count: int, run: str) -> list[bytes]:
    return [
        json.dumps(
            {
                "records": [
                    {
                        "external_id": f"{run}-{b}-{i}",
                        "first_name": "Ana",
                        "last_name": f"Lopez {i}",
                        "email": f"ana.{run}.{b}.{i}@example.com",
                        "phone": f"+1555{b % 1000:03d}{i:04d}",
                        "updated_at": "2026-11-26T10:00:00Z",
                    }
                    for i in range(BATCH)
                ]
            }
        ).encode()
        for b in range(count)
    ]


def post_all(base: str, key: str, bodies: list[bytes], clients: int) -> float:
    url = f"{base}/api/v1/clients/{CLIENT_ID}/prospects/batch"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    failures: list[str] = []

    def worker(mine: list[bytes]) -> None:
        session = requests.Session()
        for body in mine:
            response = session.post(url, data=body, headers=headers, timeout=120)
            # orjson: the load generator shares the two cores with what it measures.
            statuses = {r["status"] for r in orjson.loads(response.content).get("results", [])}
            if response.status_code != 200 or statuses != {"created"}:
                failures.append(f"{response.status_code} {statuses}")

    threads = [
        threading.Thread(target=worker, args=(bodies[i::clients],)) for i in range(clients)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} batches failed, e.g. {failures[0]}")
    return elapsed


def copy_rate(rows: int) -> float:
    """Raw psycopg COPY of `rows` prospect rows (same columns) into a plain table."""
    url = connection.settings_dict
    dsn = f"host={url['HOST']} port={url['PORT'] or 5432} user={url['USER']} dbname={url['NAME']}"
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy_prospect")
        conn.execute("CREATE TABLE bench_copy_prospect (LIKE integrations_prospect)")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
            "COPY bench_copy_prospect (id, client_id, first_name, last_name, email, phone,"
            " gender, address, notes, source_updated_at, version, created_at, updated_at)"
            " FROM STDIN"
        ) as copy:
            for i in range(rows):
                copy.write_row(
                    (uuid.uuid4(), CLIENT_ID, "Ana", f"Lopez {i}", f"ana.{i}@example.com",
                     f"+1555{i:07d}", "", "{}", "", now, 1, now, now)
                )  # fmt: skip
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_copy_prospect")
        conn.commit()
    return rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    database_prepare()
    _, receivers, key, _ = club()
    process, base = gunicorn_start(workers=2)
    try:
        run = uuid.uuid4().hex[:8]
        post_all(base, key, batches(2, f"warm{run}"), 2)  # warm up both workers
        bodies = batches(args.batches, run)
        before = OutboxRow.objects.filter(integration__in=receivers).count()
        cpu_before = (children_cpu(process.pid), postgres_cpu(), time.process_time())
        elapsed = post_all(base, key, bodies, args.clients)
        cpu_after = (children_cpu(process.pid), postgres_cpu(), time.process_time())
        after = OutboxRow.objects.filter(integration__in=receivers).count()
    finally:
        gunicorn_stop(process)
    records = args.batches * BATCH
    assert after - before == 2 * records, (before, after)
    api = records / elapsed
    raw = copy_rate(records)
    print(f"records: {records} in {args.batches} batches of {BATCH}, {args.clients} clients")
    print(f"API batch ingest (gunicorn, 2 workers): {api:,.0f} records/s ({elapsed:.2f} s)")
    print(f"raw psycopg COPY into a plain table:    {raw:,.0f} records/s")
    print(f"ratio API / COPY: {api / raw:.3f}")
    gunicorn, postgres, loader = (
        1000 * (after_ - before_) / args.batches
        for before_, after_ in zip(cpu_before, cpu_after, strict=True)
    )
    print(
        f"CPU per batch: gunicorn workers {gunicorn:.1f} ms, PostgreSQL {postgres:.1f} ms,"
        f" load generator {loader:.1f} ms (2 cores: {2000 * elapsed / args.batches:.1f} ms"
        " of CPU time per batch in all)"
    )


if __name__ == "__main__":
    main()
