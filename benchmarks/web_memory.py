"""Does a web process keep memory per request? The WSGI application called as gunicorn calls
it, with tracemalloc: batches, single PUTs and /metrics scrapes, step after step.

Usage: .venv/bin/python benchmarks/web_memory.py [--steps 3] [--batches 100] [--puts 1000]
    [--scrapes 200]

PostgreSQL (DATABASE_URL, default .../connector_bench_web_memory, made anew), production
settings, the multiprocess metrics on (as under gunicorn). After a warm-up, each step sends
the batches (300 new prospects each) and the PUTs, then the scrapes, and prints the RSS and
the memory tracemalloc sees still allocated; at the end the lines whose allocations grew most
between the first and the last step. Flat figures: nothing is kept per request (what
benchmarks/load_sustained.py's gunicorn workers gained is then the allocator's, not objects').
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import sys
import tempfile
import tracemalloc

from cryptography.fernet import Fernet

os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench_web_memory"
)
os.environ.update(
    DJANGO_DEBUG="0", DJANGO_SECRET_KEY="memory-" + Fernet.generate_key().decode(),
    CONNECTOR_ENCRYPTION_KEYS=Fernet.generate_key().decode(), CONNECTOR_SSL_REDIRECT="0",
    CONNECTOR_API_RATE="100000000/min", CONNECTOR_METRICS_TOKEN="memory-token",
    PROMETHEUS_MULTIPROC_DIR=tempfile.mkdtemp(prefix="web-memory-"),
)

from api_setup import club, database_prepare
from django.core.wsgi import get_wsgi_application


class Web:
    """The partner API and /metrics through the WSGI application, in this process."""

    def __init__(self, key: str, client_id: str) -> None:
        self.app, self.key = get_wsgi_application(), key
        self.base = f"/api/v1/clients/{client_id}/prospects"
        self.seq = 0

    def call(self, method: str, path: str, body: object | None = None,
             token: str | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {token or self.key}",
        }
        status: list[str] = []
        answer = self.app(environ, lambda line, headers, *_: status.append(line))
        b"".join(answer)
        answer.close()
        if status[0][:3] not in ("200", "201"):
            raise RuntimeError(f"{method} {path}: {status[0]}")

    def person(self) -> dict:
        self.seq += 1
        return {"external_id": f"M{self.seq}", "first_name": "Mem", "last_name": f"N{self.seq}",
                "email": f"m{self.seq}@memory.example"}

    def traffic(self, *, batches: int, puts: int, scrapes: int) -> None:
        for _ in range(batches):
            self.call("POST", f"{self.base}/batch",
                      {"records": [self.person() for _ in range(300)]})
        for _ in range(puts):
            record = self.person()
            self.call("PUT", f"{self.base}/{record['external_id']}", record)
        for _ in range(scrapes):
            self.call("GET", "/metrics", token="memory-token")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--puts", type=int, default=1000)
    parser.add_argument("--scrapes", type=int, default=200)
    args = parser.parse_args()
    database_prepare()
    sender, _, key, _ = club()
    web = Web(key, sender.client_id)
    web.traffic(batches=20, puts=200, scrapes=20)  # warm-up: imports, caches, connections
    gc.collect()
    tracemalloc.start()
    first = None
    for step in range(1, args.steps + 1):
        web.traffic(batches=args.batches, puts=args.puts, scrapes=args.scrapes)
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        first = first or snapshot
        print(f"step {step}: RSS {rss_mb():.1f} MB, still allocated (tracemalloc) "
              f"{tracemalloc.get_traced_memory()[0] / 1e6:.2f} MB", flush=True)
    for stat in snapshot.compare_to(first, "lineno")[:5]:
        print(f"  {stat}")


if __name__ == "__main__":
    main()
