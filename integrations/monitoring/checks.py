"""The sync engine's schedules are checked for: without them nothing retries, sweeps, fetches
or runs the delivery loop.

- `manage.py check --database default` (and `migrate`, which runs the database checks): a
  database check, as Django has them, so other commands (the sandbox platform, say) start
  without asking the database anything, and a plain `manage.py check` says nothing;
- `manage.py qcluster` at start: its workers are what the schedules drive, so it asks the
  database whatever the check's tags (Django runs every command's checks before it starts,
  and prints the warning above the cluster's first lines);
- GET /healthz (`degraded`) and /metrics (`connector_schedules_missing`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from integrations.monitoring.selectors import schedules_missing


@checks.register(checks.Tags.database)
def schedules_present(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []
    return _schedules_warning()


@checks.register()
def schedules_present_for_workers(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The same warning when `qcluster` starts (its checks are run without databases)."""
    if not settings.QCLUSTER or databases:  # with databases, the check above says it
        return []
    return _schedules_warning()


def _schedules_warning() -> list[checks.CheckMessage]:
    try:
        missing = schedules_missing()
    except DatabaseError:  # no database to ask: that is reported elsewhere, not here
        return []
    if not missing:  # None: not migrated yet, and `migrate` makes them
        return []
    return [
        checks.Warning(
            f"The sync engine's schedules are missing: {', '.join(missing)}.",
            hint="Run `manage.py migrate` (or `manage.py setup_schedules`): both create them.",
            id="connector.W001",
        )
    ]
