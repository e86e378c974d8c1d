"""Single-record PUT latency with 50 concurrent clients (gunicorn, 2 workers, PostgreSQL).

Each of 50 client threads upserts new prospects (one PUT each, fanned out to 2 receivers)
over its own keep-alive connection. Two runs:

- paced: every client sends one PUT every `--interval` seconds (an offered load of
  50 / interval requests/s), the way many partners' systems each send now and then;
- flat out: every client sends its next PUT as soon as the last one answered (saturation:
  latency is then queueing, ≈ 50 / throughput).

Prints requests/s, p50 / p95 / p99 latency and errors for each.

    .venv/bin/python benchmarks/api_put_latency.py [--seconds 15] [--interval 0.5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
import uuid
from urllib.parse import urlsplit

from api_setup import CLIENT_ID, club, database_prepare, gunicorn_start, gunicorn_stop, percentile

CLIENTS = 50


def run(base: str, key: str, seconds: float, interval: float) -> tuple[list[float], int, float]:
    host = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    tag = uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        i = 0
        next_at = time.monotonic() + (n / CLIENTS) * interval  # spread the first requests
        while True:
            if interval:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += interval
            if time.monotonic() > deadline:
                break
            body = json.dumps(
                {"first_name": "Ana", "last_name": f"C{n}", "email": f"c{n}.{i}@example.com"}
            )
            start = time.perf_counter()
            try:
                conn.request("PUT", f"/api/v1/clients/{CLIENT_ID}/prospects/{tag}-{n}-{i}",
                             body=body, headers=headers)  # fmt: skip
                response = conn.getresponse()
                response.read()
                ok = response.status == 201
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - start


def report(name: str, latencies: list[float], errors: int, wall: float) -> None:
    ms = [value * 1000 for value in latencies]
    print(
        f"{name}: {len(ms)} PUTs, {len(ms) / wall:,.0f} req/s, "
        f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms, errors {errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    args = parser.parse_args()
    database_prepare()
    _, _, key, _ = club()
    process, base = gunicorn_start(workers=2, threads=args.threads)
    try:
        run(base, key, 2, 0.2)  # warm up
        paced = run(base, key, args.seconds, args.interval)
        flat = run(base, key, args.seconds, 0)
    finally:
        gunicorn_stop(process)
    print(f"{CLIENTS} concurrent clients, gunicorn 2 workers x {args.threads} threads")
    report(f"paced (1 PUT / {args.interval:g} s / client)", *paced)
    report("flat out", *flat)


if __name__ == "__main__":
    main()
