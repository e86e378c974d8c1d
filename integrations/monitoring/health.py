"""GET /healthz: is this deployment able to take records in and send them out?

Each check answers `ok`, `degraded` (works, but something needs a look) or `down` (cannot do
its job). The whole is `down` when any check is, so a load balancer stops sending traffic to
an instance that cannot reach its database or broker; a missing worker or a late delivery is
`degraded`: the partner API still accepts records, which wait safely in the outbox.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from integrations.db.connection import database_reachable
from integrations.monitoring import selectors

OK, DEGRADED, DOWN = "ok", "degraded", "down"
_ORDER = {OK: 0, DEGRADED: 1, DOWN: 2}


def database_check() -> dict[str, Any]:
    return {"status": OK if database_reachable() else DOWN}


@functools.cache
def _redis_client() -> Any:
    import redis

    # Short timeouts: a health probe must answer quickly even when Redis does not.
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def broker_check() -> dict[str, Any]:
    """The django-q2 broker: Redis when REDIS_URL is set, else the database itself."""
    if not settings.REDIS_URL:
        return {"status": OK if database_reachable() else DOWN, "broker": "orm"}
    try:
        reachable = bool(_redis_client().ping())
    except Exception:  # any failure to reach it is the answer, not an error of the probe
        reachable = False
    return {"status": OK if reachable else DOWN, "broker": "redis"}


def worker_check() -> dict[str, Any]:
    seen = selectors.worker_last_seen()
    if seen is None:
        return {"status": DEGRADED, "last_seen_seconds": None}
    age = max((timezone.now() - seen).total_seconds(), 0.0)
    late = age > settings.CONNECTOR_HEALTH_WORKER_SECONDS
    return {"status": DEGRADED if late else OK, "last_seen_seconds": round(age, 1)}


def outbox_check() -> dict[str, Any]:
    age = selectors.outbox_oldest_due_seconds()
    late = age > settings.CONNECTOR_HEALTH_OUTBOX_SECONDS
    return {"status": DEGRADED if late else OK, "oldest_due_seconds": round(age, 1)}


def schedules_check() -> dict[str, Any]:
    missing = selectors.schedules_missing()
    if missing is None:  # not migrated yet
        return {"status": DEGRADED, "missing": ["(run migrate)"]}
    return {"status": DEGRADED if missing else OK, "missing": missing}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": database_check,
    "broker": broker_check,
    "worker": worker_check,
    "outbox": outbox_check,
    "schedules": schedules_check,
}
NEEDS_DATABASE = ("worker", "outbox", "schedules")


def health_report() -> dict[str, Any]:
    """{"status": worst of the checks, "checks": {name: {"status": ..., details}}}."""
    checks: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and checks["database"]["status"] == DOWN:
            checks[name] = {"status": DEGRADED, "detail": "unknown: no database"}
            continue
        try:
            checks[name] = check()
        except DatabaseError:
            checks[name] = {"status": DEGRADED, "detail": "the query failed"}
    status = max((c["status"] for c in checks.values()), key=_ORDER.__getitem__)
    return {"status": status, "checks": checks}
