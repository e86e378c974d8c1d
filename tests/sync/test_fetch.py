"""Fetching from an `api` platform over HTTP: rosters, changed records, cursor, failures."""

from __future__ import annotations

import pytest

from integrations.models import LogEntry, Prospect, SyncRun
from integrations.sandbox import SandboxServer, SandboxStore
from integrations.sync.delivery.backoff import webhook_retry_delay
from integrations.sync.inbound.fetch import integration_fetch
from mappings.models import RemoteLeadSource, RemoteStaff
from tests.factories import IntegrationFactory, PlatformFactory

TOKEN = "fetch-token"


@pytest.fixture
def platform():
    store = SandboxStore(staff=[{"id": "S1", "first_name": "Ana", "last_name": "Lopez"}],
                         lead_sources=["Walk-in"])
    with SandboxServer(token=TOKEN, store=store) as server:
        yield server


@pytest.fixture
def fetched(club, platform):
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="gymapp"),
                              direction="send", data="prospects", staff_owner=True,
                              lead_source=True, mode="api", base_url=platform.base_url,
                              credentials=TOKEN)


def test_fetch_takes_rosters_and_records_changed_since_the_cursor(fetched, platform):
    platform.store.record_create("prospect", {"first_name": "Kim", "last_name": "Park",
                                              "staff_owner_id": "S1"})

    first = integration_fetch(integration_id=fetched.pk)
    again = integration_fetch(integration_id=fetched.pk)

    assert first == {"staff": 1, "lead_sources": 1, "prospects_created": 1}
    assert again.get("prospects_created", 0) == 0  # the cursor moved on
    prospect = Prospect.objects.get(last_name="Park")
    assert prospect.staff_owner == RemoteStaff.objects.get(integration=fetched, external_id="S1")
    assert RemoteLeadSource.objects.filter(integration=fetched, name="Walk-in").exists()
    fetched.refresh_from_db()
    assert fetched.fetch_cursor["prospect"] and fetched.last_success_at
    runs = SyncRun.objects.filter(integration=fetched, kind="fetch", status="succeeded")
    assert runs.count() == 2


def test_a_failed_fetch_is_a_failed_run_and_a_line_in_the_log(fetched, platform):
    fetched.credentials = "wrong-token"
    fetched.save()

    integration_fetch(integration_id=fetched.pk)

    run = SyncRun.objects.get(integration=fetched)
    assert run.status == "failed" and run.error
    summary = LogEntry.objects.get(level="error", integration=fetched).summary
    assert summary.startswith(f"Fetching from {fetched.platform.name} failed: ")


def test_webhook_schedule_then_gives_up():
    schedule = (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert 5 <= webhook_retry_delay(attempts=1, schedule=schedule) <= 5.5
    assert 36000 <= webhook_retry_delay(attempts=7, schedule=schedule) <= 39600
    assert webhook_retry_delay(attempts=8, schedule=schedule) is None
