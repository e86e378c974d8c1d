"""Nothing is lost and nothing is doubled when the platform or a worker misbehaves.

Real HTTP to the sandbox platform with injected faults; counts asserted at the platform.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from integrations.models import ExternalLink, LogEntry, OutboxRow, SyncRun
from integrations.sandbox import Faults, SandboxServer, SandboxStore
from integrations.sandbox.store import FaultRule
from integrations.sync.delivery.worker import deliver_all_due
from integrations.sync.inbound.fetch import integration_fetch
from integrations.sync.inbound.ingest import records_ingest
from tests.factories import IntegrationFactory, PlatformFactory
from tests.sync.helpers import feed

TOKEN = "sandbox-token"
FETCHED = ("/staff", "/lead-sources", "/prospects")
VERSIONS = ["v0", "v1", "v2"]  # a record's create, then its two updates
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox():
    with SandboxServer(token=TOKEN, store=SandboxStore()) as server:
        yield server


@pytest.fixture
def pair(club, sandbox):
    """A sending partner and InTouch (`api`, the sandbox) receiving prospects."""
    intouch = PlatformFactory(slug="intouch", name="InTouch", can_create_lead_sources=True)
    destination = IntegrationFactory(client=club, platform=intouch, direction="receive",
                                     data="prospects", mode="api", base_url=sandbox.base_url,
                                     credentials=TOKEN, staff_owner=False, lead_source=False)
    source = IntegrationFactory(client=club, platform=PlatformFactory(slug="acme"),
                                direction="send", mode="push")
    return source, destination


def push(source, count: int, prefix: str = "P", **fields) -> None:
    for start in range(0, count, 250):
        records = [
            {"external_id": f"{prefix}{i}", "first_name": "Lead", "last_name": f"N{i}", **fields}
            for i in range(start, min(start + 250, count))
        ]
        records_ingest(integration=source, kind="prospect", records=records)


def deliver_until(done, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        deliver_all_due(budget_seconds=2)
        if done():
            return
        time.sleep(0.02)
    raise AssertionError("deliveries did not finish in time")


def arrived_names(sandbox) -> Counter[str]:
    return Counter(r["last_name"] for r in sandbox.store.all_records("prospect"))


def all_delivered() -> bool:
    return not OutboxRow.objects.exclude(status="delivered").exists()


def test_flaky_rate_limited_platform_gets_every_prospect_exactly_once(pair, sandbox, settings):
    settings.CONNECTOR_DELIVERY_MAX_ATTEMPTS = 30
    settings.CONNECTOR_RETRY_AFTER_MAX_SECONDS = 1.0  # the sandbox asks for 1 s
    source, destination = pair
    sandbox.faults = Faults(fail_rate=0.3, rate_limit=100, drop_rate=0.05)
    push(source, 500)

    deliver_until(all_delivered, seconds=60)

    names = arrived_names(sandbox)
    assert len(names) == 500 and set(names.values()) == {1}  # all, exactly once
    assert ExternalLink.objects.filter(integration=destination).count() == 500
    stats = sandbox.store.stats
    assert sum(n for k, n in stats.items() if k.endswith(" 500")) > 50  # faults did happen
    assert sum(n for k, n in stats.items() if k.endswith(" 429")) > 0
    assert stats["dropped"] > 0
    assert OutboxRow.objects.filter(attempts__gt=1).exists()


def test_platform_down_for_a_while_gets_everything_when_back(pair, sandbox, settings):
    """Issue 21, shortened: while the platform is down, 50 prospects are created and each
    updated twice; once it is back, all 150 writes arrive within 15 s (probes 0.02 s doubling
    to 0.2 s apart here), each record's in order, with few attempts per row."""
    settings.CONNECTOR_DELIVERY_MAX_ATTEMPTS = 20
    settings.CONNECTOR_OUTAGE_AFTER_FAILURES = 10
    source, destination = pair
    port, store = sandbox.port, sandbox.store
    sandbox.stop()
    for version in VERSIONS:
        push(source, 50, notes=version)

    for _ in range(5):  # tries while it is down: connection refused, then only probes
        deliver_all_due(budget_seconds=0.3)
        time.sleep(0.1)
    rows = OutboxRow.objects.all()
    assert rows.filter(status="pending").count() == 150 and not store.all_records("prospect")
    # It is not the records' fault: the attempts made once it was known down are not counted.
    assert max(rows.values_list("attempts", flat=True)) <= settings.CONNECTOR_OUTAGE_AFTER_FAILURES
    assert "the platform is down" in rows.order_by("id").first().last_error
    down = LogEntry.objects.get(level="error", integration=destination)
    assert down.summary == "InTouch is not answering: deliveries wait and go out when it is back."

    with SandboxServer(token=TOKEN, store=store, port=port):
        deliver_until(all_delivered, seconds=15)
        assert len(arrived_names_of(store)) == 50
    assert store.writes_in_order("prospect", field="notes", versions=VERSIONS)
    assert max(rows.values_list("attempts", flat=True)) <= 2
    assert LogEntry.objects.filter(level="info", summary__startswith="InTouch answers again")


def arrived_names_of(store) -> Counter[str]:
    return Counter(r["last_name"] for r in store.all_records("prospect"))


@pytest.mark.django_db(transaction=True)  # the feed serves committed rows only
def test_a_prospect_created_at_the_platform_reaches_a_feed_partner_while_fetches_fail(
    club, sandbox
):
    """Issue 21, shortened: one call in two of every list answers 500, so the first call of
    each list fails at every fetch; each prospect created at the platform is in a feed
    partner's change feed after the next fetch run (the failed call is tried again within it)."""
    sandbox.faults.rules += [FaultRule("GET", path, "500", times=10**6, every=2)
                             for path in FETCHED]
    intouch = IntegrationFactory(client=club, platform=PlatformFactory(slug="intouch"),
                                 direction="send", data="prospects", mode="api",
                                 base_url=sandbox.base_url, credentials=TOKEN)
    reader = IntegrationFactory(client=club, platform=PlatformFactory(slug="reader"),
                                direction="receive", data="prospects", mode="push")
    cursor = None
    for n in range(2):
        sandbox.store.record_create("prospect", {"first_name": "Fetched", "last_name": f"F{n}"})

        integration_fetch(integration_id=intouch.pk)

        events, cursor = feed(reader, after=cursor, expect=1)
        assert [event["data"]["last_name"] for event in events] == [f"F{n}"]
        assert SyncRun.objects.filter(integration=intouch).first().status == "succeeded"
    assert {path: sandbox.store.stats[f"fault GET {path} 500"] for path in FETCHED} == {
        path: 2 for path in FETCHED}  # the first call of each list, at each fetch


def test_a_permanent_4xx_fails_visibly_and_the_others_go_on(pair, sandbox):
    source, destination = pair
    push(source, 10)
    ghost = OutboxRow.objects.order_by("id").first()
    # The platform lost this record: its update answers 404, which no retry can fix.
    ExternalLink.objects.create(integration=destination, kind="prospect",
                                external_id="gone-1", prospect_id=ghost.record_id)

    deliver_until(lambda: not OutboxRow.objects.filter(status="pending").exists(), seconds=20)

    ghost.refresh_from_db()
    assert (ghost.status, ghost.attempts) == ("failed", 1)
    assert "No prospect with id gone-1" in ghost.last_error
    assert OutboxRow.objects.filter(status="delivered").count() == 9
    assert len(arrived_names(sandbox)) == 9
    error = LogEntry.objects.get(level="error", client_id=destination.client_id)
    assert error.record_id == ghost.record_id


def _worker(env: dict, log: Path) -> subprocess.Popen:
    """The worker, its output appended to `log` (the suite greps it for personal data)."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_delivery_worker", "--poll", "0.05", "--sweep",
             "0.5"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fail_rate", [0.3, 0.5], ids=["30 %", "50 %"])
def test_worker_killed_mid_delivery_and_restarted_delivers_exactly_once(
    pair, sandbox, tmp_path, fail_rate
):
    """Issue 21, shortened: 30 % (or 50 %) random 500s, a worker SIGKILLed and started again;
    every prospect arrives exactly once, within a minute of the push. The restarted
    worker takes back the dead one's claims at once (its process is gone), not after the
    claim timeout (left at its default, 300 s). Retries 0.1 s doubling to 1 s, then the long
    schedule from 1 s (a row failing 15 times in a row, once in 100 runs at 50 %, is not late
    by a minute). benchmarks/sync_faults.py measures the same with the production schedule."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share (PostgreSQL)")
    source, destination = pair
    sandbox.faults = Faults(latency_ms=10, fail_rate=fail_rate)  # slow: killed mid-batch
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_DEBUG": "1",
        "CONNECTOR_ALLOW_LOOPBACK_URLS": "1",
        "CONNECTOR_RETRY_QUICK_BASE_SECONDS": "0.1",
        "CONNECTOR_RETRY_QUICK_MAX_SECONDS": "1",
        "CONNECTOR_RETRY_BASE_SECONDS": "1",
        "CONNECTOR_RETRY_MAX_SECONDS": "2",
    }
    push(source, 300)
    pushed = time.monotonic()
    worker = _worker(env, tmp_path / "worker.log")
    deadline = time.monotonic() + 30
    while len(sandbox.store.all_records("prospect")) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    in_flight = OutboxRow.objects.filter(status="sending").count()
    assert in_flight > 0, "the kill should leave claimed rows behind"

    worker = _worker(env, tmp_path / "worker.log")
    try:
        while not all_delivered() and time.monotonic() < pushed + 60:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(10)

    names = arrived_names(sandbox)
    assert len(names) == 300 and set(names.values()) == {1}
    assert all_delivered(), "not all delivered a minute after the push"
    assert sum(n for k, n in sandbox.store.stats.items() if k.endswith(" 500")) > 300 * fail_rate
