"""Sustained partner traffic on a deployment's shape, for minutes (issue 17's load test).

Usage: .venv/bin/python benchmarks/load_sustained.py [--minutes 10] [--rate 100] [--puts 4]

PostgreSQL (DATABASE_URL, default .../connector_bench_load_sustained, made anew each run), the
Redis broker (REDIS_URL, default db 7) under a cluster name of this run's own (Q_CLUSTER_NAME:
no queue shared with another run), production settings (DJANGO_DEBUG off). Each process in a
process group of its own, as machines would be: gunicorn serving the API (2 gthread workers
x 2 threads), 4 `qcluster` (Q_WORKERS 2 each; the engine's schedules made by migrate), the
sandbox platform as the receiving InTouch (`api` mode). Their logs: var/load_sustained/<start>/.

The traffic is paced by the clock (each request at its due time; a sender that falls behind
says how far): batches of 100-500 new prospects at `--rate` records a second, and single PUTs
of new prospects at `--puts` a second, every person a new one. Every 10 s: the RSS of every
process (/proc), GET /metrics (due rows, the oldest due delivery's age, delivery totals) and
the load average. Then the queue drains, what arrived at the sandbox is read page by page, and
each record's push-to-arrival is the sandbox's creation stamp (same clock) minus when its
request was sent. Every process is stopped at the end, on failure too.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import signal
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet

TOKEN = "load-metrics-token"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.processes
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench_load_sustained"
)
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ.update(
    Q_CLUSTER_NAME=f"load-{uuid.uuid4().hex[:8]}", DJANGO_DEBUG="0",
    DJANGO_SECRET_KEY=f"load-{uuid.uuid4().hex}", CONNECTOR_METRICS_TOKEN=TOKEN,
    CONNECTOR_ENCRYPTION_KEYS=Fernet.generate_key().decode(), CONNECTOR_SSL_REDIRECT="0",
    CONNECTOR_API_RATE="100000000/min", PYTHONUNBUFFERED="1",
)

import requests  # noqa: E402
from load_report import report  # noqa: E402
from load_watch import Fleet, answers, memory, scrape, wait_until  # noqa: E402
from sync_setup import ROOT, SANDBOX_TOKEN, club, database_prepare  # noqa: E402

from integrations.models import OutboxRow  # noqa: E402
from integrations.services.launch import api_key_issue  # noqa: E402
from tests.processes import free_port, processes  # noqa: E402

SAMPLE_SECONDS = 10


@dataclass
class Sent:
    """What the partner sent and was told."""

    pushed: dict[str, float] = field(default_factory=dict)  # last name -> request sent (epoch)
    singles: set[str] = field(default_factory=set)  # last names sent by a single PUT
    accepted: int = 0
    answers: list[tuple[str, int, float]] = field(default_factory=list)  # (kind, status, s)
    errors: list[str] = field(default_factory=list)
    behind: dict[str, float] = field(default_factory=dict)  # kind -> latest start after due
    lock: threading.Lock = field(default_factory=threading.Lock)


class Partner:
    """Two senders paced by the clock, batches of 100-500 records and single PUTs, each
    request sent at its due time from a pool of threads (as a partner's many clients)."""

    def __init__(self, base: str, key: str, sent: Sent, seed: int) -> None:
        self.base, self.sent, self.rng = base, sent, random.Random(seed)
        self.headers = {"Authorization": f"Bearer {key}"}
        self.stop = threading.Event()
        self.seq = iter(range(10**9))
        self.seq_lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=8)
        self.local = threading.local()
        self.senders: list[threading.Thread] = []

    def people(self, n: int) -> list[dict]:
        with self.seq_lock:
            numbers = [next(self.seq) for _ in range(n)]
        return [{"external_id": f"LD-{i}", "first_name": "Load", "last_name": f"N{i:08d}",
                 "email": f"n{i}@load.example"} for i in numbers]

    def start(self, *, rate: float, puts: float) -> None:
        self.senders = [threading.Thread(target=self._paced, args=(per_second, send))
                        for per_second, send in ((rate, self._batch), (puts, self._put))
                        if per_second > 0]
        for sender in self.senders:
            sender.start()

    def finish(self) -> None:
        self.stop.set()
        for sender in self.senders:
            sender.join()
        self.pool.shutdown(wait=True)

    def _paced(self, per_second: float, send) -> None:
        start, done = time.monotonic(), 0
        while not self.stop.is_set():
            late = time.monotonic() - (start + done / per_second)
            if late < 0 and self.stop.wait(-late):
                break
            done += send()

    def _batch(self) -> int:
        records = self.people(self.rng.randint(100, 500))
        self.pool.submit(self._send, "batch", records, time.time(), lambda session: session.post(
            f"{self.base}/prospects/batch", json={"records": records}, timeout=60))
        return len(records)

    def _put(self) -> int:
        [record] = self.people(1)
        self.pool.submit(self._send, "put", [record], time.time(), lambda session: session.put(
            f"{self.base}/prospects/{record['external_id']}", json=record, timeout=60))
        return 1

    def _send(self, kind: str, records: list[dict], due: float, call) -> None:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers.update(self.headers)
        at = time.time()
        try:
            answer = call(self.local.session)
        except requests.RequestException as error:
            with self.sent.lock:
                self.sent.errors.append(f"{kind}: {type(error).__name__}")
            return
        took = time.time() - at
        created = _created(kind, answer)
        with self.sent.lock:
            self.sent.behind[kind] = max(self.sent.behind.get(kind, 0.0), at - due)
            self.sent.answers.append((kind, answer.status_code, took))
            if created is None:
                self.sent.errors.append(f"{kind}: {answer.status_code} {answer.text[:200]}")
                return
            self.sent.accepted += created
            self.sent.pushed.update((r["last_name"], due) for r in records)
            if kind == "put":
                self.sent.singles.update(r["last_name"] for r in records)


def _created(kind: str, answer: requests.Response) -> int | None:
    """Records the answer says were created; None for an answer that is not a success."""
    if answer.status_code not in (200, 201):
        return None
    if kind == "put":
        return 1 if answer.status_code == 201 else 0
    return sum(1 for result in answer.json()["results"] if result["status"] == "created")


class Sampler(threading.Thread):
    """Every 10 s: each process's RSS, the metrics, the load average."""

    def __init__(self, fleet: Fleet, web: str) -> None:
        super().__init__(daemon=True)
        self.fleet, self.web = fleet, web
        self.samples: list[dict] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while True:
            sample = {"t": time.time(), "load": os.getloadavg()[0], "rss": memory(self.fleet)}
            try:
                sample.update(scrape(self.web, TOKEN))
            except requests.RequestException as error:
                sample["scrape_error"] = type(error).__name__
            self.samples.append(sample)
            if self.stop.wait(SAMPLE_SECONDS):
                return


def arrivals(port: int) -> list[tuple[str, float]]:
    """(last name, creation epoch) of every prospect the sandbox holds, page by page."""
    found, cursor = [], ""
    while True:
        answer = requests.get(f"http://127.0.0.1:{port}/prospects",
                              params={"limit": "500", "cursor": cursor}, timeout=60,
                              headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"})
        answer.raise_for_status()
        page = answer.json()
        found += [(r["last_name"], datetime.fromisoformat(r["updated_at"]).timestamp())
                  for r in page["results"]]
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return found


def deployment_start(fleet: Fleet, *, workers: int) -> tuple[str, str, int, int]:
    """(API base URL, partner key, sandbox port, destination id), everything serving."""
    sandbox_port, web_port = free_port(), free_port()
    env = dict(os.environ)
    fleet.start("sandbox", ["manage.py", "run_sandbox_platform", "--port", str(sandbox_port),
                            "--token", SANDBOX_TOKEN, "-v", "0"], env)
    source, destination = club(f"http://127.0.0.1:{sandbox_port}")
    key = api_key_issue(platform=source.platform, name="load")[1]
    multiproc = fleet.logs / "prometheus"
    multiproc.mkdir()
    fleet.start("gunicorn", ["-m", "gunicorn", "connector_portal.wsgi", "--workers", "2",
                             "--worker-class", "gthread", "--threads", "2", "--bind",
                             f"127.0.0.1:{web_port}", "--log-level", "warning"],
                {**env, "PROMETHEUS_MULTIPROC_DIR": str(multiproc)})
    clusters = [fleet.start(f"qcluster-{n}", ["manage.py", "qcluster"], env)
                for n in range(1, workers + 1)]
    wait_until(lambda: answers(f"http://127.0.0.1:{sandbox_port}/ping",
                               headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}),
               60, "the sandbox should serve")
    wait_until(lambda: answers(f"http://127.0.0.1:{web_port}/healthz"), 120,
               "gunicorn should serve")
    # Each one up: main process, sentinel, monitor, pusher and its 2 workers.
    wait_until(lambda: all(len(processes(group=c.pid)) >= 6 for c in clusters), 120,
               "every qcluster should start")
    base = f"http://127.0.0.1:{web_port}/api/v1/clients/{source.client_id}"
    return base, key, sandbox_port, destination.pk


def undelivered(destination: int) -> int:
    return OutboxRow.objects.filter(integration_id=destination).exclude(
        status="delivered").count()


def run(args: argparse.Namespace, fleet: Fleet) -> dict:
    base, key, sandbox_port, destination = deployment_start(fleet, workers=args.workers)
    web = base.split("/api/")[0]
    sent, sampler = Sent(), Sampler(fleet, web)
    partner = Partner(base, key, sent, seed=args.seed)
    # Warm-up, not counted: the first delivery passes have run (imports, connections).
    requests.post(f"{base}/prospects/batch", json={"records": partner.people(100)},
                  headers=partner.headers, timeout=60).raise_for_status()
    wait_until(lambda: undelivered(destination) == 0, 120, "the warm-up should arrive")
    started = time.time()
    sampler.start()
    partner.start(rate=args.rate, puts=args.puts)
    time.sleep(args.minutes * 60)
    partner.finish()
    ended = time.time()
    wait_until(lambda: undelivered(destination) == 0, 600, "the queue should drain")
    drained = time.time()
    sampler.stop.set()
    sampler.join()
    arrived = arrivals(sandbox_port)
    return {"started": started, "ended": ended, "drained": drained, "sent": sent,
            "samples": sampler.samples, "arrived": arrived,
            "failed_rows": OutboxRow.objects.filter(integration_id=destination,
                                                    status="failed").count(),
            "log_problems": fleet.log_problems()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=100, help="records a second in batches")
    parser.add_argument("--puts", type=float, default=4, help="single PUTs a second")
    parser.add_argument("--workers", type=int, default=4, help="qcluster process groups")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    database_prepare()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    fleet = Fleet(ROOT, ROOT / "var" / "load_sustained" / stamp)
    atexit.register(fleet.stop)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # `finally` stops the fleet
    try:
        result = run(args, fleet)
    finally:
        fleet.stop()
    print(report(args, result))
    save(fleet.logs / "samples.json", result)
    print(f"samples and logs: {fleet.logs}")


def save(path: Path, result: dict) -> None:
    sent: Sent = result["sent"]
    path.write_text(json.dumps({
        "samples": result["samples"], "answers": sent.answers, "errors": sent.errors,
        "behind": sent.behind,
        "latency": sorted(at - sent.pushed[name] for name, at in result["arrived"]
                          if name in sent.pushed),
    }))


if __name__ == "__main__":
    main()
