"""Outbound HTTP throughput: REST-adapter creates and signed webhook POSTs to local servers.

    .venv/bin/python benchmarks/transport_sandbox.py [REQUESTS]   # default 2000 per run

The sandbox platform runs as its own process (`manage.py run_sandbox_platform`), as in the demo,
so client and server do not share a GIL. Each run sends REQUESTS creates through
`RestAdapter.create_record` (outbound.safe_request: checked connections, pooled per thread)
from 1, 2 and 4 threads, next to plain `requests.Session.post` calls to the same server in the
same run. Then signed webhook POSTs (`webhook_post`) to a minimal local receiver process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_portal.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["CONNECTOR_ALLOW_LOOPBACK_URLS"] = "1"

import django  # noqa: E402

django.setup()

import requests  # noqa: E402

from integrations.adapters.base import AdapterConfig  # noqa: E402
from integrations.adapters.rest import RestAdapter  # noqa: E402
from integrations.webhooks.sender import webhook_post  # noqa: E402
from integrations.webhooks.signing import generate_secret  # noqa: E402

TOKEN = "bench-token"
RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def timed(threads: int, total: int, call) -> float:
    counter = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            call(i)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(worker)
    return total / (time.perf_counter() - started)


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    port, receiver_port = free_port(), free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_sandbox_platform",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--verbosity",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(receiver_port)])
    try:
        wait_for(port)
        wait_for(receiver_port)
        base = f"http://127.0.0.1:{port}"
        adapter = RestAdapter(AdapterConfig(base_url=base, token=TOKEN))
        plain = threading.local()

        def adapter_create(i: int) -> None:
            adapter.create_record(
                "prospect",
                {"first_name": f"P{i}", "last_name": "Bench"},
                idempotency_key=f"a-{time.monotonic_ns()}-{i}",
            )

        def plain_create(i: int) -> None:
            if not hasattr(plain, "s"):
                plain.s = requests.Session()
            answer = plain.s.post(
                base + "/prospects",
                json={"first_name": f"P{i}", "last_name": "Bench"},
                headers={
                    "Authorization": f"Bearer {TOKEN}",
                    "Idempotency-Key": f"p-{time.monotonic_ns()}-{i}",
                },
                timeout=10,
            )
            assert answer.status_code == 201

        secret = generate_secret()
        body = b'{"id": "evt", "type": "prospect.updated", "data": {"first_name": "Ann"}}'

        def webhook(i: int) -> None:
            result = webhook_post(
                url=f"http://127.0.0.1:{receiver_port}/hook",
                secret=secret,
                event_id=f"evt_{i}",
                body_bytes=body,
            )
            assert result.ok, result.message

        adapter_create(0)  # warm up both paths
        plain_create(0)
        print(f"{total} requests per run; requests/s (higher is better)")
        print("| threads | RestAdapter.create_record | plain requests.post | webhook_post |")
        print("| ---: | ---: | ---: | ---: |")
        for threads in (1, 2, 4):
            a = timed(threads, total, adapter_create)
            p = timed(threads, total, plain_create)
            w = timed(threads, total, webhook)
            print(f"| {threads} | {a:,.0f} | {p:,.0f} | {w:,.0f} |")
    finally:
        for proc in (sandbox, receiver):
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
