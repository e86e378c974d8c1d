"""From a partner's PUT to the prospect's arrival at the sandbox InTouch: median and p95.

Usage: .venv/bin/python benchmarks/sync_latency.py [--count 200] [--interval 0.05]
Everything as `make run` runs it, on PostgreSQL: the portal (gunicorn, 2 workers), a
`qcluster` with the default settings and the engine's schedules (`setup_schedules`), the
sandbox platform as its own process. Each PUT carries a unique name; its arrival time is
the sandbox's own creation stamp (same clock), so polling adds nothing to the figure.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime

import requests
from sync_setup import ROOT, SANDBOX_TOKEN, club, database_prepare, sandbox_start

from integrations.models import ApiKey
from integrations.services.launch import api_key_issue

SANDBOX_PORT, PORTAL_PORT = 8196, 8195


def started(args: list[str]) -> subprocess.Popen:
    # Own process group: qcluster's worker processes are stopped with it.
    return subprocess.Popen(args, cwd=ROOT, env=os.environ, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stopped(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # a delivery loop task runs up to a minute
        proc.wait(5)
    except ProcessLookupError:
        pass


def wait_http(url: str) -> None:
    for _ in range(200):
        try:
            requests.get(url, timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def arrivals() -> dict[str, float]:
    answer = requests.get(f"http://127.0.0.1:{SANDBOX_PORT}/prospects?limit=1000", timeout=10,
                          headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"})
    found: dict[str, float] = {}
    for record in answer.json()["results"]:
        found.setdefault(record["last_name"], datetime.fromisoformat(record["updated_at"])
                         .timestamp())
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between PUTs")
    args = parser.parse_args()
    database_prepare()
    sandbox = sandbox_start(SANDBOX_PORT)
    source, _ = club(f"http://127.0.0.1:{SANDBOX_PORT}")
    ApiKey.objects.filter(platform=source.platform).delete()
    _, key = api_key_issue(platform=source.platform, name="bench")
    subprocess.run([sys.executable, "manage.py", "setup_schedules"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    procs = [
        sandbox,
        started([str(ROOT / ".venv/bin/gunicorn"), "connector_portal.wsgi", "-w", "2", "-b",
                 f"127.0.0.1:{PORTAL_PORT}", "--log-level", "warning"]),
        started([sys.executable, "manage.py", "qcluster"]),
    ]
    base = f"http://127.0.0.1:{PORTAL_PORT}/api/v1/clients/{source.client_id}/prospects/"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    try:
        wait_http(f"http://127.0.0.1:{PORTAL_PORT}/api/v1/clients/")
        tag = f"lat{time.time_ns()}"
        sent = put_all(session, base, tag, 1, 0)  # warm-up: the worker picks up the loop
        wait_arrived(set(sent), timeout=120)
        sent = put_all(session, base, tag, args.count, args.interval)
        found = wait_arrived(set(sent), timeout=120)
    finally:
        for proc in procs[1:]:
            stopped(proc)
        sandbox.terminate()
    latencies = sorted(found[name] - at for name, at in sent.items())
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"{len(latencies)} PUTs, one every {args.interval * 1000:.0f} ms: "
          f"median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")


def put_all(session: requests.Session, base: str, tag: str, count: int,
            interval: float) -> dict[str, float]:
    sent: dict[str, float] = {}
    offset = len(sent)
    for i in range(count):
        name = f"{tag}-{time.time_ns()}-{i + offset}"
        at = time.time()
        answer = session.put(base + name, json={"first_name": "Lat", "last_name": name},
                             timeout=10)
        answer.raise_for_status()
        sent[name] = at
        time.sleep(interval)
    return sent


def wait_arrived(names: set[str], *, timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = arrivals()
        if names <= set(found):
            return found
        time.sleep(0.2)
    raise RuntimeError(f"{len(names - set(arrivals()))} prospects never arrived")


if __name__ == "__main__":
    main()
