"""When a failed delivery is tried again: quick for a random fault, long for one that stays."""

from __future__ import annotations

from integrations.sync.delivery.backoff import Schedule, api_retry_delay, probe_delay

PRODUCTION = Schedule()  # the defaults of conf.py


def test_a_random_fault_is_retried_within_seconds_growing_with_jitter():
    delays = [api_retry_delay(attempts=n, schedule=PRODUCTION) for n in (1, 2, 3, 4, 5, 15)]
    assert 0.5 <= delays[0] <= 1 and 1 <= delays[1] <= 2 and 2 <= delays[2] <= 4
    assert 4 <= delays[3] <= 8
    assert 7.5 <= delays[4] <= 15 and 7.5 <= delays[5] <= 15  # capped at 15 s
    several = {api_retry_delay(attempts=3, schedule=PRODUCTION) for _ in range(20)}
    assert len(several) > 10  # jitter: a burst of failures does not come back in lockstep


def test_a_delivery_still_failing_moves_to_the_long_schedule():
    delays = [api_retry_delay(attempts=n, schedule=PRODUCTION) for n in (16, 17, 18, 30)]
    assert 30 <= delays[0] <= 60 and 60 <= delays[1] <= 120 and 120 <= delays[2] <= 240
    assert 1800 <= delays[3] <= 3600


def test_the_quick_schedule_fits_a_flaky_platform():
    """At 50 % random failures a record needs more than 15 tries once in 30,000; the first 15
    take at most ~3 minutes."""
    assert sum(min(15.0, 2.0 ** (n - 1)) for n in range(1, 16)) <= 180


def test_retry_after_is_a_floor_capped():
    assert api_retry_delay(attempts=1, schedule=PRODUCTION, retry_after=120) >= 120
    capped = Schedule(retry_after_cap=600)
    assert api_retry_delay(attempts=1, schedule=capped, retry_after=10**6) <= 600


def test_a_down_platform_is_probed_sooner_than_the_long_schedule():
    delays = [probe_delay(probes=k, base=5, cap=60) for k in (0, 1, 2, 3, 10)]
    assert 2.5 <= delays[0] <= 5 and 5 <= delays[1] <= 10 and 10 <= delays[2] <= 20
    assert 20 <= delays[3] <= 40 and 30 <= delays[4] <= 60
