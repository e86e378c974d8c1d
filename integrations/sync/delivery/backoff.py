"""When to try a failed delivery again: pure functions, no database."""

from __future__ import annotations

import random
from collections.abc import Sequence

_rng = random.SystemRandom()


def api_retry_delay(
    *,
    attempts: int,
    base: float,
    cap: float,
    retry_after: float | None = None,
    retry_after_cap: float = 3600.0,
) -> float:
    """Seconds to wait after `attempts` failed tries: exponential, capped, with jitter.

    "Equal jitter": half the exponential delay is kept, half is random, so a burst of failures
    spreads out without a retry ever coming right back. A platform's Retry-After is a floor.
    """
    exponential = min(cap, base * 2 ** max(attempts - 1, 0))
    delay = exponential / 2 + _rng.uniform(0, exponential / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, retry_after_cap))
    return delay


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
