"""Deliveries per second to a local sandbox platform, with 1 and 2 delivery workers.

Usage: .venv/bin/python benchmarks/sync_throughput.py [--rows 3000] [--workers 1 2]
PostgreSQL (DATABASE_URL, default .../connector_bench_sync). The sandbox runs as its own
process; the workers are `manage.py run_delivery_worker` processes (the same delivery code the
django-q2 tasks run). Rows are queued first, then the workers start; the rate is rows over the
time from the first to the last delivery. CPU seconds per process say what limits it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from sync_setup import (
    ROOT,
    club,
    cpu_seconds,
    database_prepare,
    sandbox_start,
)

from integrations.models import OutboxRow
from integrations.sync.ingest import records_ingest

PORT = 8197


def queue_rows(source, rows: int, tag: str) -> None:
    for start in range(0, rows, 500):
        records_ingest(integration=source, kind="prospect", records=[
            {"external_id": f"{tag}-{i}", "first_name": "Bench", "last_name": f"{tag}-{i}"}
            for i in range(start, min(rows, start + 500))
        ])


def run(workers: int, rows: int, sandbox: subprocess.Popen, source, destination) -> dict:
    OutboxRow.objects.filter(integration=destination).delete()
    queue_rows(source, rows, f"w{workers}-{time.time_ns()}")
    cpu_before = {"sandbox": cpu_seconds(sandbox.pid), "postgres": postgres_cpu()}
    started = time.monotonic()
    command = [sys.executable, "manage.py", "run_delivery_worker", "--poll", "0.05"]
    procs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
             for _ in range(workers)]
    pending = OutboxRow.objects.filter(integration=destination).exclude(status="delivered")
    while pending.exists() and time.monotonic() - started < 300:
        time.sleep(0.1)
    worker_cpu = sum(cpu_seconds(p.pid) for p in procs)
    for proc in procs:
        proc.terminate()
        proc.wait(10)
    times = OutboxRow.objects.filter(integration=destination).values_list("delivered_at", flat=True)
    first, last = min(times), max(times)
    span = (last - first).total_seconds()
    return {
        "workers": workers,
        "rows": rows,
        "seconds": span,
        "per_second": rows / span,
        "cpu_workers": worker_cpu,
        "cpu_sandbox": cpu_seconds(sandbox.pid) - cpu_before["sandbox"],
        "cpu_postgres": postgres_cpu() - cpu_before["postgres"],
    }


def postgres_cpu() -> float:
    pids = subprocess.run(["pgrep", "-f", "postgres"], capture_output=True, text=True).stdout
    return sum(cpu_seconds(int(pid)) for pid in pids.split())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    database_prepare()
    sandbox = sandbox_start(PORT)
    try:
        source, destination = club(f"http://127.0.0.1:{PORT}")
        print("| workers | deliveries | seconds | deliveries/s "
              "| CPU s: workers | sandbox | postgres |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for workers in args.workers:
            r = run(workers, args.rows, sandbox, source, destination)
            print(f"| {r['workers']} | {r['rows']} | {r['seconds']:.2f} | {r['per_second']:.0f} "
                  f"| {r['cpu_workers']:.1f} | {r['cpu_sandbox']:.1f} | {r['cpu_postgres']:.1f} |",
                  flush=True)
    finally:
        sandbox.terminate()


if __name__ == "__main__":
    main()
