"""Workers on several machines, on the Redis broker: a machine dies, nothing is lost or doubled.

As a deployment runs it: PostgreSQL, Redis, gunicorn taking the partner's batches, and 2 then 4
`qcluster` processes, each in its own process group as a machine would be, sharing one
client's deliveries to a sandbox platform (its own process) that fails 30% of requests. One
machine is SIGKILLed while it has deliveries in flight: every record must arrive at the
platform exactly once, and the survivors must send the dead machine's rows once the claim
timeout has passed and the next sweep runs.

Intervals are shrunk through the settings (claim timeout 3 s, retries from 0.2 s, delivery loop
turns of 1 s). django-q2 runs schedules at best every 30 s, so a small process here plays the
scheduler: every second it queues the sweep and a delivery-loop turn, as the minute schedules
do in production.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from integrations.models import ExternalLink, OutboxRow
from integrations.services.launch import api_key_issue
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory
from tests.processes import free_port, processes, wait_until

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"
TOKEN = "sandbox-token"
RECORDS = 400
CLAIM_TIMEOUT = 3.0

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCHEDULER = """
import time, django
django.setup()
from django_q.tasks import async_task
while True:
    async_task("integrations.tasks.outbox_sweep_task", save=False)
    async_task("integrations.tasks.delivery_loop_task", save=False)
    time.sleep(1)
"""


def _redis_or_skip() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("machines share a database server: PostgreSQL")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")


def _env(cluster: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PROMETHEUS"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=REDIS_URL, Q_CLUSTER_NAME=cluster, Q_WORKERS="2", DJANGO_DEBUG="1",
        CONNECTOR_ALLOW_LOOPBACK_URLS="1", CONNECTOR_CLAIM_TIMEOUT_SECONDS=str(CLAIM_TIMEOUT),
        CONNECTOR_RETRY_BASE_SECONDS="0.2", CONNECTOR_RETRY_MAX_SECONDS="1",
        CONNECTOR_DELIVERY_LOOP_SECONDS="1", CONNECTOR_DELIVERY_MAX_ATTEMPTS="40",
        CONNECTOR_DELIVERY_BATCH="10", CONNECTOR_DELIVERY_TIME_BUDGET_SECONDS="1",
        LOG_LEVEL="WARNING",
    )
    return env


class Machines:
    """Processes started in process groups of their own; all killed at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process

    def qcluster(self, n: int) -> subprocess.Popen:
        return self.start(f"qcluster-{n}", "manage.py", "qcluster")

    def stop_all(self) -> None:
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def in_flight_by_pid() -> Counter[int]:
    claims = OutboxRow.objects.filter(status="sending").values_list("claimed_by", flat=True)
    return Counter(int(claim.split(":")[1]) for claim in claims if claim)


def arrived(base: str) -> Counter[str]:
    """Every record the platform holds, by last name (it fails 30% of these reads too)."""
    names: Counter[str] = Counter()
    cursor: str = ""
    while True:
        answer = requests.get(f"{base}/prospects", params={"limit": "500", "cursor": cursor},
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        if answer.status_code != 200:
            continue
        page = answer.json()
        names.update(record["last_name"] for record in page["results"])
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return names


def freeze_one_with_rows_in_flight(machines: list, groups: dict[int, set[int]]
                                   ) -> tuple[subprocess.Popen, list[int]]:
    """SIGSTOP a machine caught sending (so its claims stay as they are until it is killed);
    (the machine, the ids of the rows it has in flight)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        flying = set(in_flight_by_pid())
        for machine in machines:
            if groups[machine.pid] & flying:
                os.killpg(machine.pid, signal.SIGSTOP)
                rows = [row for row, claim in OutboxRow.objects.filter(
                    status="sending").values_list("id", "claimed_by")
                    if int(claim.split(":")[1]) in groups[machine.pid]]
                if rows:
                    return machine, rows
                os.killpg(machine.pid, signal.SIGCONT)  # its batch ended meanwhile
        time.sleep(0.02)
    raise AssertionError("no machine was caught with deliveries in flight")


def delivered_by_pid() -> Counter[int]:
    """Rows delivered, by the process that sent them (a delivered row keeps its claim)."""
    claims = OutboxRow.objects.filter(status="delivered").values_list("claimed_by", flat=True)
    return Counter(int(claim.split(":")[1]) for claim in claims)


def delivered() -> int:
    return OutboxRow.objects.filter(status="delivered").count()


def test_four_machines_one_killed_every_record_arrives_once(tmp_path):
    _redis_or_skip()
    cluster = f"scale-{uuid.uuid4().hex[:8]}"
    redis.Redis.from_url(REDIS_URL).flushdb()  # db 5 is this suite's own
    sandbox_port, web_port = free_port(), free_port()
    club = ClientFactory()
    sender = IntegrationFactory(client=club, platform=PlatformFactory(slug="acme"),
                                direction="send", data="prospects", mode="push")
    destination = IntegrationFactory(
        client=club, platform=PlatformFactory(slug="crm", name="CRM"), direction="receive",
        data="prospects", mode="api", base_url=f"http://127.0.0.1:{sandbox_port}",
        credentials=TOKEN, staff_owner=False, lead_source=False)
    key = api_key_issue(platform=sender.platform)[1]
    machines = Machines(_env(cluster), tmp_path)
    try:
        machines.start("sandbox", "manage.py", "run_sandbox_platform", "--port",
                       str(sandbox_port), "--token", TOKEN, "--fail-rate", "0.3",
                       "--latency-ms", "25", "-v", "0")
        machines.start("web", "-m", "gunicorn", "connector_portal.wsgi", "--workers", "2",
                       "--bind", f"127.0.0.1:{web_port}", "--log-level", "warning")
        first_two = [machines.qcluster(n) for n in (1, 2)]
        base = f"http://127.0.0.1:{web_port}/api/v1/clients/{club.pk}"
        wait_until(lambda: _answers(f"http://127.0.0.1:{web_port}/healthz"), 60,
                   "gunicorn should serve")

        for start in range(0, RECORDS, 100):  # the partner's batches: kicks go to Redis
            batch = [{"external_id": f"P{i}", "first_name": "Lead", "last_name": f"N{i}"}
                     for i in range(start, start + 100)]
            answer = requests.post(f"{base}/prospects/batch", json={"records": batch},
                                   headers={"Authorization": f"Bearer {key}"}, timeout=30)
            assert answer.status_code == 200, answer.text
        machines.start("scheduler", "-c", SCHEDULER)
        wait_until(lambda: delivered() >= RECORDS // 5, 40, "2 machines should deliver")
        later_two = [machines.qcluster(n) for n in (3, 4)]
        # Up: its main process, sentinel, pusher, monitor and 2 workers.
        wait_until(lambda: all(len(processes(group=p.pid)) >= 6 for p in later_two), 30,
                   "the 2 more machines should start")

        groups = {p.pid: processes(group=p.pid) for p in first_two + later_two}
        victim, stranded = freeze_one_with_rows_in_flight(first_two + later_two, groups)
        victim_claims = {str(pid) for pid in groups[victim.pid]}
        os.killpg(victim.pid, signal.SIGKILL)
        killed_at = time.monotonic()

        def still_the_dead_machines() -> bool:
            claims = OutboxRow.objects.filter(id__in=stranded, status="sending").values_list(
                "claimed_by", flat=True)
            return any(claim.split(":")[1] in victim_claims for claim in claims)

        taken_over = wait_until(lambda: not still_the_dead_machines(), 30,
                                "the survivors should take the dead machine's rows")
        wait_until(lambda: not OutboxRow.objects.filter(id__in=stranded).exclude(
            status="delivered").exists(), 30, "the survivors should send its rows")
        wait_until(lambda: delivered() == RECORDS, 40, "every record should be delivered")
        finished = time.monotonic() - killed_at
        senders = set(delivered_by_pid())
        sharing = [p for p in first_two + later_two if groups[p.pid] & senders]
        names = arrived(f"http://127.0.0.1:{sandbox_port}")
    finally:
        machines.stop_all()

    assert len(sharing) >= 3 and set(sharing) & set(later_two)  # later machines took a share
    assert len(names) == RECORDS and set(names.values()) == {1}  # all of them, exactly once
    assert ExternalLink.objects.filter(integration=destination).count() == RECORDS
    assert OutboxRow.objects.filter(attempts__gt=1).count() > RECORDS // 10  # faults happened
    # Claimed rows of a dead worker wait out the claim timeout, then the next sweep (1 s).
    assert taken_over < CLAIM_TIMEOUT + 3, (taken_over, finished)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code in (200, 503)
    except requests.RequestException:
        return False
