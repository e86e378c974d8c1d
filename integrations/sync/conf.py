"""Sync-engine knobs, read from Django settings with production defaults.

Tests shrink the delays through the same settings (see tests/sync/conftest.py).
"""

from __future__ import annotations

from django.conf import settings

# The webhook retry schedule of partner-api.md: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
WEBHOOK_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)


def setting(name: str, default):
    return getattr(settings, name, default)


def retry_base_seconds() -> float:
    return float(setting("CONNECTOR_RETRY_BASE_SECONDS", 5.0))


def retry_max_seconds() -> float:
    return float(setting("CONNECTOR_RETRY_MAX_SECONDS", 3600.0))


def max_attempts() -> int:
    """Attempts at an `api` platform before a delivery ends failed."""
    return int(setting("CONNECTOR_DELIVERY_MAX_ATTEMPTS", 12))


def retry_after_cap_seconds() -> float:
    """A platform's Retry-After is honoured up to this long (a bogus huge value is capped)."""
    return float(setting("CONNECTOR_RETRY_AFTER_MAX_SECONDS", 3600.0))


def webhook_schedule() -> tuple[float, ...]:
    return tuple(setting("CONNECTOR_WEBHOOK_RETRY_SCHEDULE", WEBHOOK_RETRY_SCHEDULE))


def claim_timeout_seconds() -> float:
    """A row still `sending` this long after its claim belongs to a worker that died."""
    return float(setting("CONNECTOR_CLAIM_TIMEOUT_SECONDS", 300.0))


def batch_size() -> int:
    return int(setting("CONNECTOR_DELIVERY_BATCH", 50))


def batch_time_budget_seconds() -> float:
    """One delivery task works this long, then queues a follow-up (keeps tasks short)."""
    return float(setting("CONNECTOR_DELIVERY_TIME_BUDGET_SECONDS", 20.0))


def send_concurrency() -> int:
    """HTTP calls a worker keeps in flight at once within a batch (one record each)."""
    return max(int(setting("CONNECTOR_SEND_CONCURRENCY", 8)), 1)


def kick_pending_seconds() -> float:
    """How long a queued delivery kick stands in for later ones if its task never starts."""
    return float(setting("CONNECTOR_KICK_PENDING_SECONDS", 10.0))


def delivery_loop_seconds() -> float:
    """One turn of the delivery loop task; a stopping cluster waits at most this long."""
    return float(setting("CONNECTOR_DELIVERY_LOOP_SECONDS", 5.0))
