"""Sync-engine knobs, read from Django settings with production defaults.

Tests shrink the delays through the same settings (see tests/sync/conftest.py).
"""

from __future__ import annotations

from django.conf import settings

# The webhook retry schedule of partner-api.md: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
WEBHOOK_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)


def setting(name: str, default):
    return getattr(settings, name, default)


def quick_retry_base_seconds() -> float:
    """The first retry of a temporary failure at an `api` platform comes this soon."""
    return float(setting("CONNECTOR_RETRY_QUICK_BASE_SECONDS", 1.0))


def quick_retry_max_seconds() -> float:
    """Quick retries grow to at most this: a random fault is not an outage."""
    return float(setting("CONNECTOR_RETRY_QUICK_MAX_SECONDS", 15.0))


def quick_attempts() -> int:
    """Attempts on the quick schedule; a delivery still failing then moves to the long one."""
    return int(setting("CONNECTOR_RETRY_QUICK_ATTEMPTS", 15))


def retry_base_seconds() -> float:
    """The long schedule's first delay (it doubles from there up to `retry_max_seconds`)."""
    return float(setting("CONNECTOR_RETRY_BASE_SECONDS", 60.0))


def retry_max_seconds() -> float:
    return float(setting("CONNECTOR_RETRY_MAX_SECONDS", 3600.0))


def max_attempts() -> int:
    """Attempts at an `api` platform before a delivery ends failed (quick, then long: ~4-5 h).

    Attempts made while the platform is down (an outage, `health.py`) are not counted: they
    say nothing about the record.
    """
    return int(setting("CONNECTOR_DELIVERY_MAX_ATTEMPTS", 25))


def outage_after_failures() -> int:
    """Temporary failures in a row, with no success in between, that make a platform *down*."""
    return int(setting("CONNECTOR_OUTAGE_AFTER_FAILURES", 10))


def outage_quiet_seconds() -> float:
    """...and no success for at least this long (a burst of random faults is not an outage)."""
    return float(setting("CONNECTOR_OUTAGE_QUIET_SECONDS", 5.0))


def outage_probe_base_seconds() -> float:
    """While a platform is down one small batch probes it: first after this, then doubling."""
    return float(setting("CONNECTOR_OUTAGE_PROBE_BASE_SECONDS", 5.0))


def outage_probe_max_seconds() -> float:
    """The longest wait between probes: a platform back up is noticed within this."""
    return float(setting("CONNECTOR_OUTAGE_PROBE_MAX_SECONDS", 60.0))


def platform_timeouts() -> tuple[float, float]:
    """(connect, read) seconds of every call to an `api` platform."""
    return (
        float(setting("CONNECTOR_PLATFORM_CONNECT_TIMEOUT_SECONDS", 3.0)),
        float(setting("CONNECTOR_PLATFORM_READ_TIMEOUT_SECONDS", 10.0)),
    )


def fetch_retry_delays() -> tuple[float, ...]:
    """Within a fetch, a call that failed for a temporary reason is tried again after these."""
    return tuple(setting("CONNECTOR_FETCH_RETRY_DELAYS", (0.5, 1.0, 2.0)))


def fetch_retry_soon_seconds() -> float:
    """A fetch that could not get everything runs again this soon (not at its next interval)."""
    return float(setting("CONNECTOR_FETCH_RETRY_SOON_SECONDS", 60.0))


def fetch_invalid_retry_hours() -> float:
    """An invalid fetched record holds the fetch cursor back (it is fetched again) this long."""
    return float(setting("CONNECTOR_FETCH_INVALID_RETRY_HOURS", 24.0))


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
