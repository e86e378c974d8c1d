"""The staff matching service with its database: one client's N directory people and N staff.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/connector_bench_staff \\
        .venv/bin/python benchmarks/staff_run_speed.py [N]            # default 10000
    DATABASE_URL=sqlite:////tmp/connector_bench_staff.sqlite3 .venv/bin/python ...

`mappings.services.staff_run.staff_match_run` loads the directory and the roster, runs the
core and stores one mapping row per remote staff in bulk. Measured: the first run (every row
new), a second run with nothing changed, and a run after 1% of the roster was renamed; CPU
seconds of this process (the database server's work is in the wall time) and wall seconds.
The rosters are benchmarks/matching_speed.py's. A PostgreSQL database is dropped and made
again (its name must start with connector_bench_); a SQLite file is deleted first.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench_staff")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from fresh_db import database_fresh  # noqa: E402
from matching_speed import rosters  # noqa: E402

from integrations.models import Client, Integration, Platform  # noqa: E402
from mappings.matching.staff import Staff  # noqa: E402
from mappings.models import RemoteStaff, StaffPerson  # noqa: E402
from mappings.services.staff_run import staff_match_run  # noqa: E402


def database_new(url: str) -> None:
    if url.startswith("sqlite:"):
        Path(url.split("sqlite://", 1)[1]).unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
    else:
        database_fresh(url)


def setup(n: int) -> Integration:
    platform = Platform.objects.create(slug="bench", name="Bench")
    directory_platform = Platform.objects.create(slug="bench-directory", name="Bench directory")
    client = Client.objects.create(pk="bench-staff", name="Bench staff")
    kinds = {"direction": "both", "data": "both", "mode": "push"}
    Integration.objects.create(client=client, platform=directory_platform, is_primary=True, **kinds)
    other = Integration.objects.create(client=client, platform=platform, **kinds)
    directory, remote = rosters(n)
    store(StaffPerson, directory, client=client)
    store(RemoteStaff, remote, integration=other)
    return other


def store(model: type, records: list[Staff], **owner: object) -> None:
    fields = ("first_name", "last_name", "email", "active")
    rows = [model(external_id=r.id, **{f: getattr(r, f) for f in fields}, **owner) for r in records]
    model.objects.bulk_create(rows, batch_size=2000)  # type: ignore[attr-defined]


def timed(label: str, integration: Integration) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    summary = staff_match_run(integration=integration)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"  {label:34} CPU {cpu:6.2f} s  wall {wall:6.2f} s  "
        f"matched {summary.matched}, review {summary.needs_review}, "
        f"unmatched {summary.unmatched}, rows changed {summary.changed}"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    url = os.environ["DATABASE_URL"]
    database_new(url)
    integration = setup(n)
    print(f"{n:,} directory people against {n:,} remote staff, {url.split(':', 1)[0]}:")
    timed("first run (every row new)", integration)
    timed("again, nothing changed", integration)
    renamed = list(RemoteStaff.objects.filter(integration=integration).order_by("pk")[: n // 100])
    for r in renamed:
        r.first_name = r.first_name + "x"
    RemoteStaff.objects.bulk_update(renamed, ["first_name"])
    timed("after 1% of the roster was renamed", integration)


if __name__ == "__main__":
    main()
