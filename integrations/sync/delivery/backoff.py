"""When to try a failed delivery again: pure functions, no database."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

_rng = random.SystemRandom()


@dataclass(frozen=True)
class Schedule:
    """An `api` platform's retry schedule (conf.py): quick, then long."""

    quick_base: float = 1.0
    quick_max: float = 15.0
    quick_attempts: int = 15
    base: float = 60.0
    cap: float = 3600.0
    retry_after_cap: float = 3600.0


def api_retry_delay(
    *, attempts: int, schedule: Schedule, retry_after: float | None = None
) -> float:
    """Seconds to wait after `attempts` failed tries: exponential, capped, with jitter.

    Quick first: a random fault of a platform under load is retried within seconds (1, 2, 4,
    8, then every 15 s), so it costs seconds, not the tens of minutes an outage schedule
    would. A delivery still failing after `quick_attempts` is not unlucky: the long schedule
    doubles from `base` to `cap`. (A platform that fails every call is not retried per row
    at all but probed, `health.py`.)

    "Equal jitter": half the exponential delay is kept, half is random, so a burst of failures
    spreads out without a retry ever coming right back. A platform's Retry-After is a floor.
    """
    if attempts <= schedule.quick_attempts:
        exponential = min(schedule.quick_max, schedule.quick_base * 2 ** max(attempts - 1, 0))
    else:
        steps = attempts - schedule.quick_attempts - 1
        exponential = min(schedule.cap, schedule.base * 2 ** min(steps, 32))
    delay = exponential / 2 + _rng.uniform(0, exponential / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, schedule.retry_after_cap))
    return delay


def probe_delay(*, probes: int, base: float, cap: float) -> float:
    """Seconds until the next probe of a platform that is down, after `probes` failed ones."""
    exponential = min(cap, base * 2 ** min(max(probes, 0), 32))
    return exponential / 2 + _rng.uniform(0, exponential / 2)


def webhook_retry_delay(
    *, attempts: int, schedule: Sequence[float], retry_after: float | None = None
) -> float | None:
    """Seconds before webhook retry number `attempts`, or None when the schedule is used up.

    Each step gets up to +10 % jitter so many failed endpoints are not retried in lockstep.
    """
    if attempts < 1 or attempts > len(schedule):
        return None
    step = schedule[attempts - 1]
    delay = step + _rng.uniform(0, step / 10)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
