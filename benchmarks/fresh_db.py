"""A new, empty benchmark database for every run.

Not a benchmark itself: the partner API and sync set-ups call it. Earlier runs used to delete
their rows and vacuum: that left every index of the ingest tables at its old size with no
entries, and the planner, pricing a probe of such an index above a scan of the few new rows,
scanned the link table once per looked-up id for the first ~2,000 links (a third of a second
of PostgreSQL time over a run's first batches; docs/performance.md, "Partner API"). A dropped
and re-created database has none of that, and costs ~5 s of migrations.
"""

from __future__ import annotations

import subprocess

from django.core.management import call_command
from django.db import connection


def database_fresh(url: str) -> None:
    """Drop and re-create the database `url` names (never the default one), and migrate it."""
    server, name = url.rsplit("/", 1)
    if not name.startswith("connector_bench_"):
        raise SystemExit(f"Refusing to drop {name!r}: not a benchmark database.")
    connection.close()
    for statement in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{server}/postgres", "-qc", statement], check=True)
    call_command("migrate", verbosity=0)
