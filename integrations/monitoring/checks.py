"""`manage.py check --database default` (and `migrate`, which runs the database checks) warns
when the sync engine's schedules are missing: without them nothing retries, sweeps, fetches
or runs the delivery loop. A database check, as Django has them: other commands (the sandbox
platform, say) start without asking the database anything; GET /healthz says it too."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError


@checks.register(checks.Tags.database)
def schedules_present(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from integrations.monitoring.selectors import schedules_missing

    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []
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
