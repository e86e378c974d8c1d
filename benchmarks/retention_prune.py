"""Pruning millions of old outbox rows and changes while partners ingest at full speed.

    .venv/bin/python benchmarks/retention_prune.py [--rows 5000000] [--seconds 60]

PostgreSQL (DATABASE_URL, default .../connector_bench_prune). Fills the outbox and the change
log with `--rows` rows 40 days old (two thirds outbox rows, delivered, one third changes),
then times batch ingest through gunicorn (api_ingest's load: 2 clients, 500-record batches,
each record fanned out to 2 receivers) for `--seconds` alone, then for as long as
`history_prune`, running beside it in its own process, takes to prune everything old.
Prints ingest records/s without and with pruning, and the pruner's rows/s, each with the
machine's load averages (1, 5, 15 min) when it was measured: the figures are only comparable
on a quiet machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
import uuid

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench_prune")

from api_ingest import BATCH, batches, post_all
from api_setup import ROOT, club, database_prepare, gunicorn_start, gunicorn_stop
from django.db import connection
from django.utils import timezone

from integrations.models import Change, OutboxRow

PRUNER = (
    "import time, django; django.setup()\n"
    "from integrations.services.retention import history_prune\n"
    "start, total = time.perf_counter(), 0\n"
    "while True:\n"
    "    counts = history_prune(budget_seconds=5)\n"
    "    total += counts['outbox'] + counts['changes']\n"
    "    if not counts['outbox'] and not counts['changes']:\n"
    "        break\n"
    "print(total, time.perf_counter() - start)\n"
)


def old_rows_fill(rows: int, receivers: list) -> None:
    """`rows` old rows in all: changes, and two delivered outbox rows per change."""
    changes = rows // 3
    stamp = "now() - interval '40 days'"
    change_table, outbox_table = Change._meta.db_table, OutboxRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change_table} (client_id, kind, record_id, event_type,"
            " source_integration_id, data, created_at)"
            " SELECT 'bench-api', 'prospect', gen_random_uuid(), 'prospect.created', NULL,"
            f" '{{\"fields\": {{}}}}', {stamp} FROM generate_series(1, %s)",
            [changes],
        )
        for receiver in receivers:
            cursor.execute(
                f"INSERT INTO {outbox_table} (integration_id, change_id, kind, record_id,"
                " event_type, status, delivered_at, created_at, updated_at)"
                f" SELECT %s, id, kind, record_id, event_type, 'delivered', {stamp}, {stamp},"
                f" {stamp} FROM {change_table} ORDER BY id",
                [receiver.pk],
            )
        cursor.execute(f"ANALYZE {change_table}")
        cursor.execute(f"ANALYZE {outbox_table}")


def ingest_for(base: str, key: str, seconds: float, busy=lambda: False) -> float:
    """Records/s of batch ingest kept up for about `seconds` (and while `busy()`)."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or busy():
        post_all(base, key, batches(20, uuid.uuid4().hex[:8]), 2)
        done += 20 * BATCH
    return done / (time.perf_counter() - start)


def load() -> str:
    return "load " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    database_prepare()
    _, receivers, key, _ = club()
    print(f"start ({load()})")
    start = time.perf_counter()
    old_rows_fill(args.rows, receivers)
    print(f"filled {args.rows:,} old rows in {time.perf_counter() - start:.0f} s")
    process, base = gunicorn_start(workers=2)
    try:
        post_all(base, key, batches(2, f"warm{uuid.uuid4().hex[:8]}"), 2)
        alone = ingest_for(base, key, args.seconds)
        print(f"ingest alone: {alone:,.0f} records/s ({load()})")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        pruner = subprocess.Popen(
            [sys.executable, "-c", PRUNER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        beside = ingest_for(base, key, 0, busy=lambda: pruner.poll() is None)
        print(f"ingest while pruning: {beside:,.0f} records/s ({beside / alone:.0%} of alone;"
              f" {load()})")
        out, _ = pruner.communicate(timeout=3600)
        pruned, elapsed = out.split()
        print(f"pruned {int(pruned):,} rows in {float(elapsed):.0f} s"
              f" ({int(pruned) / float(elapsed):,.0f} rows/s)")
    finally:
        gunicorn_stop(process)
    month_ago = timezone.now() - dt.timedelta(days=30)
    left = OutboxRow.objects.filter(created_at__lt=month_ago).count()
    changes = Change.objects.filter(created_at__lt=month_ago).count()
    print(f"old rows left: {left} outbox rows, {changes} changes")


if __name__ == "__main__":
    main()
