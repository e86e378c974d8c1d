"""Client pages with a busy club: the integrations list (30-day health of every integration)
and the connector log, with many outbox rows and log lines.

Usage: .venv/bin/python benchmarks/pages_health.py [--rows 200000] [--log 100000]
Runs on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/connector_pages_bench).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_pages_bench")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_portal.settings")
os.environ.setdefault("CONNECTOR_DISABLE_AXES", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from integrations.models import (  # noqa: E402
    Change,
    Client,
    Integration,
    LogEntry,
    OutboxRow,
    Platform,
    User,
)

CLIENT_ID = "bench-pages"
INTEGRATIONS = 10


def seed(rows: int, log_lines: int) -> User:
    call_command("migrate", verbosity=0)
    client, created = Client.objects.get_or_create(id=CLIENT_ID, defaults={"name": "Bench Gym"})
    user = User.objects.filter(email="pages-bench@example.com").first() or (
        User.objects.create_user("pages-bench@example.com", "x" * 12, client=client)
    )
    if not created:
        return user
    integrations = []
    for n in range(INTEGRATIONS):
        platform, _ = Platform.objects.get_or_create(slug=f"bench-{n}", defaults={"name": f"P{n}"})
        integrations.append(
            Integration.objects.create(
                client=client, platform=platform, direction="both", data="both"
            )
        )
    now = timezone.now()
    batch = 5000
    for start in range(0, rows, batch):
        changes = Change.objects.bulk_create(
            Change(client=client, kind="prospect", record_id=uuid.uuid4(), event_type="x")
            for _ in range(min(batch, rows - start))
        )
        outbox = []
        for i, change in enumerate(changes):
            at = now - dt.timedelta(minutes=(start + i) * 47 % (40 * 24 * 60))
            failed = (start + i) % 23 == 0
            outbox.append(
                OutboxRow(
                    integration=integrations[(start + i) % INTEGRATIONS],
                    change=change,
                    kind="prospect",
                    record_id=change.record_id,
                    event_type="prospect.created",
                    status="failed" if failed else "delivered",
                    delivered_at=None if failed else at,
                )
            )
        OutboxRow.objects.bulk_create(outbox)
    LogEntry.objects.bulk_create(
        (
            LogEntry(client=client, level=("error", "warning", "info")[n % 3], summary=f"Line {n}")
            for n in range(log_lines)
        ),
        batch_size=5000,
    )
    return user


def measure(http: HttpClient, url: str, runs: int = 7) -> tuple[float, int]:
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = http.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--log", type=int, default=100_000)
    args = parser.parse_args()
    user = seed(args.rows, args.log)
    http = HttpClient()
    http.force_login(user)
    print(
        f"{connection.vendor}, {args.rows} outbox rows over {INTEGRATIONS} integrations, "
        f"{args.log} log lines"
    )
    for label, url in [
        ("integrations list (30-day health)", "/integrations/"),
        ("connector log, page 1", "/log/"),
        ("connector log, errors only", "/log/?level=error"),
        ("connector log, page 100", "/log/?page=100"),
    ]:
        ms, n = measure(http, url)
        print(f"{label:40s} median {ms:7.1f} ms  {n} queries")


if __name__ == "__main__":
    main()
