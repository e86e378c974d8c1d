"""Deliveries per second to a local sandbox platform, with 1 and 2 delivery workers.

Usage: .venv/bin/python benchmarks/sync_throughput.py [--rows 3000] [--workers 1 2]
                                                       [--runner worker|qcluster]
PostgreSQL (DATABASE_URL, default .../connector_bench_sync). The sandbox runs as its own
process. Runner `worker`: N `manage.py run_delivery_worker` processes. Runner `qcluster`: one
`manage.py qcluster` with Q_WORKERS=N, given one delivery task per worker (each re-queues
itself while rows remain). Rows are queued first, then the workers start; the rate is rows over
the time from the first to the last delivery. CPU seconds per process say what limits it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time

from cpu import cpu_seconds, postgres_cpu
from sync_setup import ROOT, club, database_prepare, sandbox_start

from integrations.models import OutboxRow
from integrations.sync.inbound.ingest import records_ingest

PORT = 8197


def queue_rows(source, rows: int, tag: str) -> None:
    for start in range(0, rows, 500):
        records_ingest(integration=source, kind="prospect", records=[
            {"external_id": f"{tag}-{i}", "first_name": "Bench", "last_name": f"{tag}-{i}"}
            for i in range(start, min(rows, start + 500))
        ])


def workers_start(runner: str, workers: int, destination) -> list[subprocess.Popen]:
    if runner == "worker":
        command = [sys.executable, "manage.py", "run_delivery_worker", "--poll", "0.05"]
        return [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
                for _ in range(workers)]
    from django_q.tasks import async_task

    for _ in range(workers):
        async_task("integrations.tasks.deliver_integration_task", destination.pk, save=False)
    env = {**os.environ, "Q_WORKERS": str(workers)}
    return [subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)]


def workers_stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            if proc.pid == os.getpgid(proc.pid):  # qcluster: its workers go with it
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.terminate()
        proc.wait(10)


def group_cpu(proc: subprocess.Popen) -> float:
    """CPU of a worker process, with qcluster's worker processes (its own process group)."""
    if proc.poll() is not None or os.getpgid(proc.pid) != proc.pid:
        return cpu_seconds(proc.pid)
    members = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True,
                             text=True).stdout.split()
    return sum(cpu_seconds(int(pid)) for pid in {*members, str(proc.pid)})


def run(workers: int, rows: int, sandbox: subprocess.Popen, source, destination,
        runner: str) -> dict:
    OutboxRow.objects.filter(integration=destination).delete()
    queue_rows(source, rows, f"w{workers}-{time.time_ns()}")
    cpu_before = {"sandbox": cpu_seconds(sandbox.pid), "postgres": postgres_cpu()}
    started = time.monotonic()
    procs = workers_start(runner, workers, destination)
    pending = OutboxRow.objects.filter(integration=destination).exclude(status="delivered")
    while pending.exists() and time.monotonic() - started < 300:
        time.sleep(0.1)
    worker_cpu = sum(group_cpu(p) for p in procs)
    workers_stop(procs)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runner", choices=["worker", "qcluster"], default="worker")
    args = parser.parse_args()
    database_prepare()
    sandbox = sandbox_start(PORT)
    try:
        source, destination = club(f"http://127.0.0.1:{PORT}")
        print("| workers | deliveries | seconds | deliveries/s "
              "| CPU s: workers | sandbox | postgres |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for workers in args.workers:
            r = run(workers, args.rows, sandbox, source, destination, args.runner)
            print(f"| {r['workers']} | {r['rows']} | {r['seconds']:.2f} | {r['per_second']:.0f} "
                  f"| {r['cpu_workers']:.1f} | {r['cpu_sandbox']:.1f} | {r['cpu_postgres']:.1f} |",
                  flush=True)
    finally:
        sandbox.terminate()


if __name__ == "__main__":
    main()
