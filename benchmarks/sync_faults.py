"""Through a flaky or down platform, how soon everything arrives (issue 21's figures).

Usage:
    .venv/bin/python benchmarks/sync_faults.py random [--fail-rate 0.3] [--prospects 300]
    .venv/bin/python benchmarks/sync_faults.py outage [--down-minutes 10] [--prospects 300]
    .venv/bin/python benchmarks/sync_faults.py fetch [--count 5] [--spread-minutes 5]

PostgreSQL (DATABASE_URL, default .../connector_bench_rel_faults, made anew each run). The
sandbox platform runs in this process (it is taken down and brought back with its store), the
Connector's workers as their own processes with the default (production) settings.

- random: the sandbox answers `500` to a share of all requests at random. Two
  `run_delivery_worker` processes; the prospects are pushed in three batches (ingest, as the
  partner API does), one worker is SIGKILLed once a third has arrived and started again.
  Prints the time from the push to the last arrival, and checks each arrived exactly once.
- outage: the sandbox is stopped (connections refused) for `--down-minutes` while prospects
  are created and each one updated twice; then it comes back. Prints the time from its return
  to the last arrival, and checks every record's writes arrived in order (its last version).
- fetch: a `qcluster` with the engine's schedules fetches the sandbox InTouch every minute
  while the first call of each list (staff, lead sources, prospects) of every fetch fails;
  prospects created at the sandbox over `--spread-minutes` must reach a feed partner's change
  feed. Prints each one's time from creation to the feed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime

os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench_rel_faults"
)

from sync_setup import ROOT, SANDBOX_TOKEN, club, database_prepare

from integrations.models import Integration, OutboxRow, Platform
from integrations.sandbox import Faults, SandboxServer, SandboxStore
from integrations.sandbox.store import FaultRule
from integrations.sync.delivery.feed import feed_page
from integrations.sync.inbound.ingest import records_ingest

PORT = 8193


def worker() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_delivery_worker", "--poll", "0.05"],
        cwd=ROOT, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def push(source: Integration, records: list[dict]) -> None:
    for start in range(0, len(records), 100):
        records_ingest(integration=source, kind="prospect", records=records[start:start + 100])


def arrivals(store: SandboxStore) -> dict[str, float]:
    """{last name: the sandbox's creation time (epoch)} of every prospect it holds."""
    first: dict[str, float] = {}
    for kind, record_id, op, _ in list(store.journal):
        if kind == "prospect" and op == "create":
            record = store.records["prospect"][record_id]
            first.setdefault(record["last_name"], record["_at"].timestamp())
    return first


def undelivered(destination: Integration) -> int:
    return OutboxRow.objects.filter(integration=destination).exclude(status="delivered").count()


def wait_delivered(destination: Integration, seconds: float) -> float:
    started = time.monotonic()
    while undelivered(destination) and time.monotonic() - started < seconds:
        time.sleep(0.2)
    return time.monotonic() - started


def random_faults(args: argparse.Namespace) -> None:
    database_prepare()
    sandbox = SandboxServer(token=SANDBOX_TOKEN, faults=Faults(fail_rate=args.fail_rate),
                            port=PORT)
    sandbox.start()
    source, destination = club(sandbox.base_url)
    workers = [worker(), worker()]
    time.sleep(2)  # both up and polling
    try:
        records = [{"external_id": f"R{i}", "first_name": "Lead", "last_name": f"R{i}"}
                   for i in range(args.prospects)]
        push(source, records)
        pushed = time.time()
        while len(arrivals(sandbox.store)) < args.prospects // 3:
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        in_flight = OutboxRow.objects.filter(status="sending").count()
        workers[0] = worker()
        waited = wait_delivered(destination, 900)
        names = arrivals(sandbox.store)
        stats = sandbox.store.stats
        creates = sum(1 for k, _, op, _ in sandbox.store.journal if k == "prospect"
                      and op == "create")
        injected = sum(n for key, n in stats.items() if key.endswith(" 500"))
        attempts = list(OutboxRow.objects.values_list("attempts", flat=True))
        last = max(names.values()) - pushed if names else float("nan")
        print(f"fail rate {args.fail_rate:.0%}: {len(names)}/{args.prospects} prospects, "
              f"{creates} records created at the platform, last arrival {last:.1f} s after "
              f"the push (all delivered after {waited:.1f} s more than the kill); {injected} "
              f"injected 500s; {in_flight} rows in flight at the SIGKILL; attempts per row: "
              f"max {max(attempts)}, mean {sum(attempts) / len(attempts):.2f}")
        assert len(names) == creates == args.prospects, "not exactly once"
    finally:
        stop(workers)
        sandbox.stop()


def outage(args: argparse.Namespace) -> None:
    database_prepare()
    store = SandboxStore()
    sandbox = SandboxServer(token=SANDBOX_TOKEN, store=store, port=PORT)
    sandbox.start()
    source, destination = club(sandbox.base_url)
    workers = [worker(), worker()]
    try:
        sandbox.stop()
        went_down = time.monotonic()
        down_for = args.down_minutes * 60
        rounds = 3 * args.prospects // 100  # creates, then two updates of each, spread out
        for n in range(rounds):
            version, first = divmod(n, rounds // 3)
            push(source, [{"external_id": f"O{i}", "first_name": "Lead", "last_name": f"O{i}",
                           "notes": f"v{version}"}
                          for i in range(first * 100, first * 100 + 100)])
            time.sleep(max(0.0, went_down + down_for * (n + 1) / (rounds + 1)
                           - time.monotonic()))
        time.sleep(max(0.0, went_down + down_for - time.monotonic()))
        waiting = undelivered(destination)
        sandbox = SandboxServer(token=SANDBOX_TOKEN, store=store, port=PORT)
        sandbox.start()
        back = time.monotonic()
        waited = wait_delivered(destination, 1800)
        attempts = list(OutboxRow.objects.values_list("attempts", flat=True))
        in_order = store.writes_in_order("prospect", field="notes", versions=["v0", "v1", "v2"])
        print(f"down {args.down_minutes:g} min with {waiting} deliveries waiting: all "
              f"{len(attempts)} delivered {waited:.1f} s after it came back "
              f"({time.monotonic() - back:.1f} s); in order per record: {in_order}; "
              f"records at the platform: {len(store.records['prospect'])}; attempts per row: "
              f"max {max(attempts)}")
        assert in_order and len(store.records["prospect"]) == args.prospects
    finally:
        stop(workers)
        sandbox.stop()


def fetch(args: argparse.Namespace) -> None:
    database_prepare()
    every_list = [FaultRule("GET", path, "500", times=10**6, every=2)
                  for path in ("/staff", "/lead-sources", "/prospects")]
    sandbox = SandboxServer(token=SANDBOX_TOKEN, faults=Faults(rules=every_list), port=PORT)
    sandbox.start()
    source, _ = club(sandbox.base_url)
    intouch = Integration.objects.get(platform__slug="intouch", client_id=source.client_id)
    Integration.objects.filter(pk=intouch.pk).update(
        direction="send", fetch_interval_minutes=1, staff_owner=False, lead_source=False)
    feed_platform, _ = Platform.objects.get_or_create(slug="bench-feed",
                                                      defaults={"name": "Bench Feed"})
    reader, _ = Integration.objects.update_or_create(
        client_id=source.client_id, platform=feed_platform,
        defaults={"direction": "receive", "data": "prospects", "mode": "push"})
    subprocess.run([sys.executable, "manage.py", "setup_schedules"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT,
                               env=os.environ, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        latencies = []
        rng = random.Random(7)
        cursor = None
        for n in range(args.count):
            time.sleep(rng.uniform(0, args.spread_minutes * 60 / args.count))
            record, _ = sandbox.store.record_create(
                "prospect", {"first_name": "Fetched", "last_name": f"F{n}"})
            created = datetime.fromisoformat(record["updated_at"]).timestamp()
            while True:
                events, cursor_next = feed_page(integration=reader, after=cursor, limit=100)
                if any(e["data"]["last_name"] == f"F{n}" for e in events):
                    latencies.append(time.time() - created)
                    cursor = cursor_next
                    break
                if time.time() - created > 600:
                    raise SystemExit(f"F{n} did not reach the feed in 10 minutes")
                time.sleep(0.5)
            print(f"F{n}: in the feed {latencies[-1]:.1f} s after it was created", flush=True)
        failed = sum(n for key, n in sandbox.store.stats.items() if key.endswith(" 500"))
        print(f"fetch every 1 min, first call of each list failing ({failed} 500s): "
              f"{len(latencies)} prospects, max {max(latencies):.1f} s, "
              f"mean {sum(latencies) / len(latencies):.1f} s (target: 120 s)")
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["random", "outage", "fetch"])
    parser.add_argument("--fail-rate", type=float, default=0.3)
    parser.add_argument("--prospects", type=int, default=300)
    parser.add_argument("--down-minutes", type=float, default=10.0)
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--spread-minutes", type=float, default=5.0)
    args = parser.parse_args()
    {"random": random_faults, "outage": outage, "fetch": fetch}[args.scenario](args)


if __name__ == "__main__":
    main()
