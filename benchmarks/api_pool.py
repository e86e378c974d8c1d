"""Single-record PUTs through gunicorn with and without psycopg's pool (CONNECTOR_DB_POOL).

The same load as api_put_latency.py (50 client threads, each a keep-alive connection, new
prospects fanned out to 2 receivers), against gunicorn with 2 gthread workers x 8 threads:

- without a pool: a persistent connection per gunicorn thread (CONN_MAX_AGE 60, the default);
- with a pool of N per worker process: connections handed back after each request.

For each, one client sending one PUT after another (latency alone), then the paced and flat-out
runs, and the most server connections the database saw at once during them.

    .venv/bin/python benchmarks/api_pool.py [--seconds 15] [--interval 0.5] [--pools 0,2,4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
import uuid
from urllib.parse import urlsplit

import psycopg
from api_put_latency import report, run
from api_setup import CLIENT_ID, club, database_prepare, gunicorn_start, gunicorn_stop, percentile

THREADS = 8


def sequential(base: str, key: str, count: int) -> list[float]:
    """One client, one PUT at a time: the latency of a lone request."""
    host = urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    tag, latencies = uuid.uuid4().hex[:8], []
    for i in range(count):
        body = json.dumps({"first_name": "Ana", "last_name": "Seq", "email": f"s{i}@example.com"})
        start = time.perf_counter()
        conn.request("PUT", f"/api/v1/clients/{CLIENT_ID}/prospects/{tag}-{i}", body=body,
                     headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 201, response.status
        latencies.append(time.perf_counter() - start)
    conn.close()
    return latencies


class ConnectionCount:
    """The most backends connected to the benchmark database, sampled every 50 ms."""

    def __init__(self) -> None:
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        url = os.environ["DATABASE_URL"]
        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(url, autocommit=True) as conn:
            while not self._stop.wait(0.05):
                [(n,)] = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                    " AND pid <> pg_backend_pid()", [name]).fetchall()
                self.most = max(self.most, n)

    def __enter__(self) -> ConnectionCount:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(pool: int, key: str, seconds: float, interval: float) -> None:
    os.environ["CONNECTOR_DB_POOL"] = str(pool)
    process, base = gunicorn_start(workers=2, threads=THREADS)
    try:
        run(base, key, 2, 0.2)  # warm up
        with ConnectionCount() as connections:
            alone = [value * 1000 for value in sequential(base, key, 300)]
            paced = run(base, key, seconds, interval)
            flat = run(base, key, seconds, 0)
    finally:
        gunicorn_stop(process)
    name = f"pool {pool} per worker" if pool else "no pool (a connection per thread)"
    print(f"== {name}: at most {connections.most} database connections")
    print(f"one client, 300 PUTs in a row: p50 {percentile(alone, 50):.1f} ms, "
          f"p99 {percentile(alone, 99):.1f} ms")
    report(f"paced (1 PUT / {interval:g} s / client)", *paced)
    report("flat out", *flat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--pools", default="0,4,2", help="pool sizes to run (0: no pool)")
    args = parser.parse_args()
    database_prepare()
    _, _, key, _ = club()
    print(f"50 concurrent clients, gunicorn 2 workers x {THREADS} threads")
    for pool in [int(size) for size in args.pools.split(",")]:
        measure(pool, key, args.seconds, args.interval)


if __name__ == "__main__":
    main()
