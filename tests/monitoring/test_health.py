"""GET /healthz: open, cheap, and honest about what does not work."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from django_q.models import Schedule, Task

from integrations.models import OutboxRow
from integrations.monitoring import health
from tests.factories import ClientFactory, IntegrationFactory
from tests.sync.helpers import prospect_row

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def sweep_finished(seconds_ago: float) -> None:
    """A worker finished the scheduled sweep that long ago (as django-q2 saves it)."""
    stopped = timezone.now() - dt.timedelta(seconds=seconds_ago)
    Task.objects.create(id=uuid.uuid4().hex, name="sweep", group="outbox-sweep",
                        func="integrations.tasks.outbox_sweep_task", started=stopped,
                        stopped=stopped, success=True)


@pytest.fixture
def api_destination(db):
    return IntegrationFactory(client=ClientFactory(), mode="api", direction="receive",
                              base_url="https://crm.example", credentials="t")


def get(client) -> tuple[int, dict]:
    answer = client.get("/healthz")
    return answer.status_code, answer.json()


def test_all_well_is_ok(client):
    sweep_finished(20)

    status, body = get(client)

    assert (status, body["status"]) == (200, "ok")
    assert set(body["checks"]) == {"database", "broker", "worker", "outbox", "schedules"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["broker"]["broker"] == "orm"
    assert body["checks"]["worker"]["last_seen_seconds"] == pytest.approx(20, abs=2)


def test_no_worker_is_degraded_not_down(client):
    status, body = get(client)
    assert (status, body["status"]) == (200, "degraded")
    assert body["checks"]["worker"] == {"status": "degraded", "last_seen_seconds": None}

    sweep_finished(600)
    assert get(client)[1]["checks"]["worker"]["status"] == "degraded"


def test_a_delivery_due_for_long_is_degraded(client, api_destination, settings):
    sweep_finished(5)
    row = prospect_row(destination=api_destination)
    OutboxRow.objects.filter(pk=row.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))

    status, body = get(client)

    assert (status, body["status"]) == (200, "degraded")
    assert body["checks"]["outbox"]["oldest_due_seconds"] == pytest.approx(3600, abs=5)


def test_rows_not_due_do_not_count(client, api_destination):
    sweep_finished(5)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    later = prospect_row(destination=api_destination)  # waits for a retry in a minute
    OutboxRow.objects.filter(pk=later.pk).update(
        created_at=an_hour_ago, next_attempt_at=timezone.now() + dt.timedelta(minutes=1))
    failed = prospect_row(destination=api_destination)
    OutboxRow.objects.filter(pk=failed.pk).update(status="failed", created_at=an_hour_ago)
    behind = OutboxRow.objects.create(  # the same record's next change, behind the failed one
        integration=api_destination, change=failed.change, kind="prospect",
        record_id=failed.record_id, event_type="prospect.updated")
    OutboxRow.objects.filter(pk=behind.pk).update(created_at=an_hour_ago)

    assert get(client)[1]["checks"]["outbox"] == {"status": "ok", "oldest_due_seconds": 0.0}


def test_missing_schedules_are_degraded(client):
    sweep_finished(5)
    Schedule.objects.filter(name="delivery-loop").delete()

    status, body = get(client)

    assert (status, body["status"]) == (200, "degraded")
    assert body["checks"]["schedules"] == {"status": "degraded", "missing": ["delivery-loop"]}


def test_redis_broker_unreachable_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/5"
    health._redis_client.cache_clear()
    try:
        status, body = get(client)
    finally:
        health._redis_client.cache_clear()
    assert (status, body["status"]) == (503, "down")
    assert body["checks"]["broker"] == {"status": "down", "broker": "redis"}


def test_redis_broker_reachable_is_ok(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/5"
    health._redis_client.cache_clear()
    try:
        body = get(client)[1]
    finally:
        health._redis_client.cache_clear()
    assert body["checks"]["broker"] == {"status": "ok", "broker": "redis"}


def test_it_needs_no_login_and_gives_no_secret_away(client, settings):
    body = client.get("/healthz").content.decode()
    assert settings.SECRET_KEY not in body
    assert "password" not in body and "postgres://" not in body


def test_database_down_is_503_from_the_real_app():
    """The whole request path with an unreachable database: nothing else needs it."""
    probe = (
        "import json, django; django.setup(); from django.test import Client; "
        "answer = Client().get('/healthz'); "
        "print(json.dumps({'status': answer.status_code, 'body': answer.json()}))"
    )
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "connector_portal.settings",
           "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"] == {"status": "down"}
    assert checks["broker"]["status"] == "down"
    assert checks["worker"]["status"] == "degraded"
