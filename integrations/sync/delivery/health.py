"""Whether an `api` platform is up: a random fault is retried per row, an outage is probed.

A platform under load fails some calls at random; those rows are retried on the quick
schedule (backoff.py). A platform that fails every call (down, unreachable, answering 5xx to
everything) is *down*: retrying each waiting row on its own schedule would hammer it with
calls bound to fail (each a timeout of seconds, for hundreds of rows), and every row would
reach the long schedule's delays, so the backlog would trickle in long after the platform came
back. Instead its rows wait, uncounted (it is not the records' fault), while one small batch
probes it: after 5 s, then doubling up to a minute (`conf.outage_probe_*`). The first probe
that gets an answer ends the outage and every waiting row is due at once.

A platform that refuses the credentials (401/403) is treated the same way: the answer is about
the token, not the record, so no row fails for it. Its rows wait, uncounted, and one small
batch probes at the outage's pace until the platform takes the token again (or new ones are
saved: `health_forget`), then every waiting row is due at once.

The state is kept in the cache (shared by the workers of one deployment: files on one
machine, Redis on many), per destination. Losing it costs at most a few calls.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.core.cache import cache

from integrations.sync import conf
from integrations.sync.delivery.backoff import probe_delay

_KEEP_SECONDS = 7 * 24 * 3600


@dataclass
class Health:
    failures: int = 0  # temporary failures in a row since the last answer
    last_ok: float = 0.0  # time.time() of the last answer (success or the record's fault)
    down_since: float | None = None
    probes: int = 0  # failed probes in this outage
    probe_at: float = 0.0
    refused_since: float | None = None  # the platform refuses the credentials
    refused_probes: int = 0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    @property
    def refused(self) -> bool:
        return self.refused_since is not None

    @property
    def gated(self) -> bool:
        """Only probes go out: down, or refusing the credentials."""
        return self.down or self.refused


UP, DOWN, BACK = "up", "down", "back"  # what a recorded outcome did to the state
REFUSED, ACCEPTED = "refused", "accepted"  # ... to the credentials' state


def _key(integration_id: int) -> str:
    return f"platform-health:{integration_id}"


def health_get(*, integration_id: int) -> Health:
    data = cache.get(_key(integration_id))
    return Health(**data) if isinstance(data, dict) else Health()


def health_store(*, integration_id: int, health: Health) -> None:
    """Keep a changed state (credentials.py probes at once after new credentials)."""
    _store(integration_id, health)


def _store(integration_id: int, health: Health) -> None:
    cache.set(_key(integration_id), asdict(health), timeout=_KEEP_SECONDS)


def delivery_gate(*, integration_id: int) -> tuple[bool, bool]:
    """(may send now, as a probe): a down platform takes only a probe, when one is due."""
    health = health_get(integration_id=integration_id)
    if not health.gated:
        return True, False
    return time.time() >= health.probe_at, True


def health_record(*, integration_id: int, answered: int, failed: int) -> tuple[str, Health]:
    """Count a chunk of calls: `answered` got an answer about the record (2xx, or a 4xx that
    is the record's fault), `failed` a temporary failure. Returns (UP | DOWN | BACK, state):
    DOWN when this chunk made (or kept) the platform down, BACK when it ended an outage."""
    health = health_get(integration_id=integration_id)
    now = time.time()
    if answered:
        was_down = health.down
        fresh = Health(last_ok=now, refused_since=health.refused_since,
                       refused_probes=health.refused_probes,
                       probe_at=health.probe_at if health.refused else 0.0)
        _store(integration_id, fresh)
        return (BACK if was_down else UP), fresh
    if not failed:
        return (DOWN if health.down else UP), health
    health.failures += failed
    if health.down:
        health.probes += 1
    elif (health.failures >= conf.outage_after_failures()
          and now - health.last_ok >= conf.outage_quiet_seconds()):
        health.down_since, health.probes = now, 0
    if health.down:
        health.probe_at = now + probe_delay(probes=health.probes,
                                            base=conf.outage_probe_base_seconds(),
                                            cap=conf.outage_probe_max_seconds())
    _store(integration_id, health)
    return (DOWN if health.down else UP), health


def credentials_record(*, integration_id: int, refused: bool) -> tuple[str, Health]:
    """A pass's calls were refused for the credentials (`refused`), or some were accepted.
    Returns (REFUSED | ACCEPTED | UP, state): REFUSED when the refusal starts, ACCEPTED when
    it ends, UP otherwise; while refused, the next probe is scheduled."""
    health = health_get(integration_id=integration_id)
    now = time.time()
    if not refused:
        if not health.refused:
            return UP, health
        health.refused_since, health.refused_probes = None, 0
        _store(integration_id, health)
        return ACCEPTED, health
    started = not health.refused
    if started:
        health.refused_since, health.refused_probes = now, 0
    else:
        health.refused_probes += 1
    health.probe_at = now + probe_delay(probes=health.refused_probes,
                                        base=conf.outage_probe_base_seconds(),
                                        cap=conf.outage_probe_max_seconds())
    _store(integration_id, health)
    return (REFUSED if started else UP), health


def health_forget(*, integration_id: int) -> None:
    """Forget the state (credentials or address changed: the next call decides afresh)."""
    cache.delete(_key(integration_id))
