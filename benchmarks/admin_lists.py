"""Support admin list pages with 100,000 prospects: time and query count per page.

Usage: .venv/bin/python benchmarks/admin_lists.py [--rows 100000]
Runs on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/connector_bench).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_portal.settings")
os.environ.setdefault("CONNECTOR_DISABLE_AXES", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from integrations.models import Client, Integration, LogEntry, Platform, Prospect, User  # noqa: E402

PAGES = [
    ("prospects, newest first", "/admin/integrations/prospect/"),
    ("prospects, one client", "/admin/integrations/prospect/?client__id__exact=bench-1"),
    ("prospects, search by email", "/admin/integrations/prospect/?q=person5000%40example.com"),
    ("connector log", "/admin/integrations/logentry/"),
    ("integrations", "/admin/integrations/integration/"),
    ("clients", "/admin/integrations/client/"),
]


def seed(rows: int) -> None:
    if Prospect.objects.count() >= rows:
        return
    platform, _ = Platform.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    clients = []
    for i in range(10):
        client, _ = Client.objects.get_or_create(pk=f"bench-{i}", defaults={"name": f"Bench {i}"})
        Integration.objects.get_or_create(
            client=client, platform=platform, defaults={"direction": "both", "data": "both"}
        )
        clients.append(client)
    integrations = {i.client_id: i for i in Integration.objects.filter(platform=platform)}
    batch = 10_000
    for start in range(Prospect.objects.count(), rows, batch):
        Prospect.objects.bulk_create(
            Prospect(
                client=clients[n % 10],
                source_integration=integrations[clients[n % 10].pk],
                first_name=f"First{n}",
                last_name=f"Last{n}",
                email=f"person{n}@example.com",
            )
            for n in range(start, min(start + batch, rows))
        )
        print(f"  seeded {min(start + batch, rows):,} prospects", flush=True)
    LogEntry.objects.bulk_create(
        LogEntry(client=clients[n % 10], level="info", summary=f"line {n}") for n in range(20_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    seed(args.rows)
    user = User.objects.filter(email="bench@example.com").first() or User.objects.create_superuser(
        email="bench@example.com", password="bench-password-long"
    )
    http = HttpClient()
    http.force_login(user)
    print(f"{connection.vendor}, {Prospect.objects.count():,} prospects")
    print(f"{'page':32} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    for label, url in PAGES:
        timings = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = http.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"{label:32} {statistics.median(timings):10.1f} {max(timings):8.1f} "
            f"{len(queries.captured_queries):8d}"
        )


if __name__ == "__main__":
    main()
