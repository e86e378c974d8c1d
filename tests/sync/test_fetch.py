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


def test_a_temporary_failure_of_each_call_is_tried_again_within_the_run(fetched, platform):
    from integrations.sandbox.store import FaultRule

    platform.store.record_create("prospect", {"first_name": "Kim", "last_name": "Park"})
    platform.faults.rules += [FaultRule("GET", "/staff", "500"),
                              FaultRule("GET", "/lead-sources", "500"),
                              FaultRule("GET", "/prospects", "500")]

    counts = integration_fetch(integration_id=fetched.pk)

    assert counts == {"staff": 1, "lead_sources": 1, "prospects_created": 1}
    assert SyncRun.objects.get(integration=fetched).status == "succeeded"
    assert all(rule.times == 0 for rule in platform.faults.rules)  # each did fail once


def test_a_list_that_keeps_failing_is_a_visible_problem_and_the_rest_is_fetched(
    fetched, platform
):
    from django_q.models import Schedule

    from integrations.sandbox.store import FaultRule

    platform.store.record_create("prospect", {"first_name": "Kim", "last_name": "Park"})
    platform.faults.rules.append(FaultRule("GET", "/lead-sources", "500", times=100))

    counts = integration_fetch(integration_id=fetched.pk)

    assert counts == {"staff": 1, "lead_sources_failed": 1, "prospects_created": 1}
    run = SyncRun.objects.get(integration=fetched)
    assert run.status == "partial"
    assert run.error == "lead sources: The platform had a problem (500): Injected failure"
    line = LogEntry.objects.get(level="error", integration=fetched)
    assert line.summary.startswith(f"Fetching from {fetched.platform.name} was incomplete: ")
    retry = Schedule.objects.get(name=f"fetch-retry-{fetched.pk}")  # again in a minute
    assert retry.schedule_type == Schedule.ONCE and retry.func.endswith("fetch_integration_task")
    fetched.refresh_from_db()
    assert fetched.last_success_at is None


def test_an_invalid_fetched_record_is_logged_and_fetched_again_until_fixed(fetched, platform):
    bad, _ = platform.store.record_create("prospect", {"first_name": "Kim", "email": "kim@"})
    platform.store.record_create("prospect", {"first_name": "Lee", "last_name": "Chan"})

    first = integration_fetch(integration_id=fetched.pk)
    again = integration_fetch(integration_id=fetched.pk)

    assert first == {"staff": 1, "lead_sources": 1, "prospects_invalid": 1,
                     "prospects_created": 1}
    assert again["prospects_invalid"] == 1  # the cursor stayed at it: fetched again
    assert again.get("prospects_created", 0) == 0
    run = SyncRun.objects.filter(integration=fetched).first()
    assert run.status == "partial"
    line = LogEntry.objects.filter(level="error", integration=fetched).first()
    assert line.summary.startswith("A prospect fetched from ")
    assert f"{bad['id']} (email: " in line.summary

    platform.store.record_update("prospect", bad["id"], {"email": "kim@example.com"})
    fixed = integration_fetch(integration_id=fetched.pk)

    assert fixed.get("prospects_created") == 1 and "prospects_invalid" not in fixed
    assert Prospect.objects.filter(email="kim@example.com").exists()
    fetched.refresh_from_db()
    assert "prospect_invalid" not in fetched.fetch_cursor


def test_a_fetched_record_is_held_to_the_partner_apis_rules(fetched, platform):
    """An id the API would refuse (" P9", "P/9") or a change time out of range: invalid."""
    store = platform.store
    ok, _ = store.record_create("prospect", {"first_name": "Lee", "last_name": "Chan"})
    for bad_id in (" P9", "P/9"):
        made, _ = store.record_create("prospect", {"first_name": "Kim", "last_name": "Park"})
        record = store.records["prospect"].pop(made["id"])
        store.records["prospect"][bad_id] = {**record, "id": bad_id}
    ancient, _ = store.record_create("prospect", {"first_name": "Al", "last_name": "Old"})
    store.records["prospect"][ancient["id"]]["updated_at"] = "0001-01-01T00:00:00+14:00"

    counts = integration_fetch(integration_id=fetched.pk)

    assert (counts["prospects_invalid"], counts["prospects_created"]) == (3, 1)
    assert list(Prospect.objects.values_list("last_name", flat=True)) == ["Chan"]
    summary = LogEntry.objects.get(level="error", integration=fetched).summary
    assert "external_id: Must not begin or end with spaces" in summary
    assert "external_id: Must not contain '/'" in summary
    assert "updated_at: Must be from 1900 on." in summary


def test_fetched_staff_and_lead_sources_the_api_would_refuse_are_left_out_and_logged(club):
    store = SandboxStore(
        staff=[{"id": "S1", "first_name": "Ana"}, {"id": "S/2"}, {"id": " S3"},
               {"id": "S4", "first_name": "x" * 101}],
        lead_sources=[{"name": "Walk-in", "id": "L1"}, {"name": "Ad", "id": "L\t2"}],
    )
    with SandboxServer(token=TOKEN, store=store) as server:
        integration = IntegrationFactory(
            client=club, platform=PlatformFactory(slug="gymapp"), direction="send",
            data="prospects", staff_owner=True, lead_source=True, mode="api",
            base_url=server.base_url, credentials=TOKEN,
        )
        counts = integration_fetch(integration_id=integration.pk)

    assert (counts["staff"], counts["staff_invalid"]) == (1, 3)
    assert (counts["lead_sources"], counts["lead_sources_invalid"]) == (1, 1)
    assert list(RemoteStaff.objects.values_list("external_id", flat=True)) == ["S1"]
    assert list(RemoteLeadSource.objects.values_list("external_id", flat=True)) == ["L1"]
    lines = LogEntry.objects.filter(level="error", integration=integration)
    assert {line.summary.split(" fetched")[0] for line in lines} == {
        "3 of the staff", "1 of the lead sources"
    }
