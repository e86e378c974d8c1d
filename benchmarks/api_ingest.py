"""Batch ingest through the partner API, next to raw psycopg COPY of the same rows.

500-record batches of new prospects, each fanned out to 2 receiving integrations, POSTed to
gunicorn (2 workers, production settings) on PostgreSQL; then the same rows COPYed into a
plain table by psycopg, in the same run. Prints records/s for both and the ratio.

    .venv/bin/python benchmarks/api_ingest.py [--batches 100] [--clients 2] [--rounds 5]

Each round times new batches through the API, between two COPY runs of four times the rows; its
ratio is against the mean of those two. The machine's speed drifts by ±10% and more from one
minute to the next (a 0.2 s COPY run more so), so a round compares the API with COPY at
about the same moment, and the run reports the median round.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import statistics
import threading
import time
import uuid

import orjson
import psycopg
from api_setup import CLIENT_ID, club, database_prepare, gunicorn_start, gunicorn_stop
from cpu import children_cpu, postgres_cpu
from django.db import connection

from integrations.models import OutboxRow, Prospect

BATCH = 500


# Every record is a new person, as a club's first import would be: its own name, email and
# phone (matching looks each up among the client's people: product.md §3a). `--namesakes`
# keeps the first benchmark's names, "Ana Lopez 0" to "Ana Lopez 499" in every batch: each
# name soon held by hundreds of people, every look-up of a name reading its cap of holders.
_PEOPLE = itertools.count()
NAMESAKES = False
# The stored prospect row has the normalized name since people matching (the same code
# measured before it has no such column).
NAME = ", name_key" if any(f.name == "name_key" for f in Prospect._meta.fields) else ""


def batches(count: int, run: str) -> list[bytes]:
    return [
        json.dumps({"records": [_record(run, b, i, next(_PEOPLE)) for i in range(BATCH)]}).encode()
        for b in range(count)
    ]


def _record(run: str, b: int, i: int, n: int) -> dict:
    return {
        "external_id": f"{run}-{b}-{i}",
        "first_name": "Ana",
        "last_name": f"Lopez {i if NAMESAKES else n}",
        "email": f"ana.{run}.{b}.{i}@example.com",
        # A valid NANP number (the API takes no other), one per record of the process.
        "phone": f"+1212{200 + n // 10000 % 800:03d}{n % 10000:04d}",
        "updated_at": "2026-11-26T10:00:00Z",
    }


def post_all(base: str, key: str, bodies: list[bytes], clients: int) -> float:
    """POST every body, `clients` at a time, each client on one kept-alive connection.

    The load generator shares the two cores with what it measures, so it is kept lean: the
    standard library's HTTP client and orjson (3.6 ms of its CPU per batch with requests and
    its JSON decoding, 2.7 ms with these).
    Every answer is still read and checked: 200, and every record created.
    """
    host, port = base.removeprefix("http://").split(":")
    path = f"/api/v1/clients/{CLIENT_ID}/prospects/batch"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    failures: list[str] = []

    def worker(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            for body in mine:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                answer = orjson.loads(response.read())
                statuses = {r["status"] for r in answer.get("results", [])}
                if response.status != 200 or statuses != {"created"}:
                    failures.append(f"{response.status} {statuses}")
        finally:
            conn.close()

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
            f" gender, address, notes, source_updated_at, version, created_at, updated_at{NAME}"
            ") FROM STDIN"
        ) as copy:
            for i in range(rows):
                copy.write_row(
                    (uuid.uuid4(), CLIENT_ID, "Ana", f"Lopez {i}", f"ana.{i}@example.com",
                     f"+1555{i:07d}", "", "{}", "", now, 1, now, now)
                    + ((f"ana lopez{i}",) if NAME else ())
                )  # fmt: skip
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_copy_prospect")
        conn.commit()
    return rows / elapsed


def api_round(
    base: str, key: str, receivers: list, process_pid: int, batches_: int, clients: int
) -> tuple[float, tuple[float, float, float], float]:
    """One timed run of new batches: (records/s, CPU ms per batch of gunicorn / PostgreSQL /
    load generator, elapsed seconds). Checks that every record reached both receivers."""
    bodies = batches(batches_, uuid.uuid4().hex[:8])
    before = OutboxRow.objects.filter(integration__in=receivers).count()
    cpu_before = (children_cpu(process_pid), postgres_cpu(), time.process_time())
    elapsed = post_all(base, key, bodies, clients)
    cpu_after = (children_cpu(process_pid), postgres_cpu(), time.process_time())
    after = OutboxRow.objects.filter(integration__in=receivers).count()
    records = batches_ * BATCH
    assert after - before == 2 * records, (before, after)
    cpu = tuple(
        1000 * (after_ - before_) / batches_
        for before_, after_ in zip(cpu_before, cpu_after, strict=True)
    )
    return records / elapsed, cpu, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument(
        "--rounds", type=int, default=5, help="API runs, each between two COPY runs"
    )
    parser.add_argument(
        "--namesakes", action="store_true", help="the same 500 names in every batch"
    )
    args = parser.parse_args()
    global NAMESAKES
    NAMESAKES = args.namesakes
    database_prepare()
    _, receivers, key, _ = club()
    records = args.batches * BATCH
    print(f"{args.rounds} rounds of {records} records in {args.batches} batches of {BATCH},")
    print(f"{args.clients} clients, gunicorn with 2 workers; each round between two COPY runs"
          + ("; the same 500 names in every batch" if NAMESAKES else ""))
    apis, raws, ratios = [], [], []
    process, base = gunicorn_start(workers=2)
    try:
        post_all(base, key, batches(2, f"warm{uuid.uuid4().hex[:8]}"), 2)  # both workers
        # Gunicorn is idle during every COPY run. Four times the rows (about a second): a
        # 0.2 s run caught the machine's swings whole.
        before = copy_rate(4 * records)
        for number in range(1, args.rounds + 1):
            api, (gunicorn, postgres, loader), elapsed = api_round(
                base, key, receivers, process.pid, args.batches, args.clients
            )
            after = copy_rate(4 * records)
            raw = (before + after) / 2  # the COPY runs just before and just after this one
            apis.append(api)
            raws.append(raw)
            ratios.append(api / raw)
            print(
                f"round {number}: API {api:,.0f} records/s, COPY {raw:,.0f} records/s"
                f" ({before:,.0f} before, {after:,.0f} after), ratio {api / raw:.3f};"
                f" CPU per batch: gunicorn {gunicorn:.1f} ms, PostgreSQL {postgres:.1f} ms,"
                f" load generator {loader:.1f} ms"
                f" (the 2 cores had {2000 * elapsed / args.batches:.1f} ms)"
            )
            before = after
    finally:
        gunicorn_stop(process)
    print(
        f"medians: API {statistics.median(apis):,.0f} records/s,"
        f" COPY {statistics.median(raws):,.0f} records/s;"
        f" ratio API / COPY {statistics.median(ratios):.3f} (target 0.10)"
    )


if __name__ == "__main__":
    main()
