"""A temporary failure of any step of a delivery leaves the row retryable as a whole.

Issue 20: over real HTTP to the sandbox platform, one step at a time answers 500, 429 or times
out (after doing its work, as a platform failing on the way out does): creating the lead
source, the record's create, the owner's update later, the fetch that makes the mapping (its
staff list, and its lead-source list beside it), or a mapping look-up (the owner's or the lead
source's) in the Connector's own database. Every case ends with one record at the platform,
created once, carrying the right owner and lead source.
"""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from integrations.models import OutboxRow
from integrations.records import translate
from integrations.sandbox import SandboxServer, SandboxStore
from integrations.sandbox.store import FaultRule
from integrations.sync.delivery.worker import deliver_all_due
from integrations.sync.inbound.fetch import integration_fetch
from integrations.sync.inbound.ingest import records_ingest
from mappings.services.rosters import staff_roster_replace
from tests.factories import IntegrationFactory, PlatformFactory

TOKEN = "steps-token"
STEPS = [
    ("POST", "/lead-sources"),
    ("POST", "/prospects"),
    ("PUT", "/prospects/{id}"),
    ("GET", "/staff"),
    ("GET", "/lead-sources"),
]


@pytest.fixture
def platform(settings):
    settings.CONNECTOR_PLATFORM_READ_TIMEOUT_SECONDS = 0.3
    store = SandboxStore(staff=[{"id": "IT-1", "first_name": "Samuel", "last_name": "Ortiz",
                                 "email": "sam@club.example"}], lead_sources=["Walk-in"])
    with SandboxServer(token=TOKEN, store=store) as server:
        yield server


@pytest.fixture
def crm(club, platform, commit):
    """The client's primary platform (`api`, can create lead sources) and a partner."""
    crm = IntegrationFactory(
        client=club, platform=PlatformFactory(slug="crm", name="CRM", can_create_lead_sources=True),
        direction="both", data="prospects", staff_owner=True, lead_source=True, mode="api",
        is_primary=True, base_url=platform.base_url, credentials=TOKEN)
    partner = IntegrationFactory(client=club, platform=PlatformFactory(slug="acme", name="Acme"),
                                 direction="send", data="prospects", mode="push")
    commit(integration_fetch, integration_id=crm.pk)
    commit(staff_roster_replace, integration=partner, staff=[
        {"external_id": "AC-10", "first_name": "Sam", "last_name": "Ortiz",
         "email": "sam@club.example", "active": True},
        {"external_id": "AC-14", "first_name": "Jordan", "last_name": "Reyes",
         "email": "jordan@club.example", "active": True}])
    return crm, partner


def settle(seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        deliver_all_due(budget_seconds=2)
        if not OutboxRow.objects.exclude(status__in=["delivered", "failed"]).exists():
            return
        time.sleep(0.05)
    raise AssertionError("deliveries did not settle")


def lead_with_a_new_source_and_an_unmapped_owner(crm, partner, platform, commit) -> None:
    """Jordan is not at the CRM yet: the lead goes without owner, then gets him."""
    records_ingest(integration=partner, kind="prospect", records=[{
        "external_id": "ACP-1", "first_name": "Ines", "last_name": "Moreau",
        "staff_owner": {"external_id": "AC-14"}, "lead_source": {"name": "Spring promo"}}])
    settle()
    platform.store.staff_add(id="IT-9", first_name="Jordan", last_name="Reyes",
                             email="jordan@club.example")
    commit(integration_fetch, integration_id=crm.pk)  # matching maps Jordan: owner update
    settle()


def assert_one_complete_record(platform) -> None:
    [record] = platform.store.all_records("prospect")
    [spring] = [s for s in platform.store.lead_sources.values() if s["name"] == "Spring promo"]
    assert (record["last_name"], record["staff_owner_id"]) == ("Moreau", "IT-9")
    assert record["lead_source_id"] == spring["id"]
    creates = [op for kind, _, op, _ in platform.store.journal if kind == "prospect"
               and op == "create"]
    assert creates == ["create"]  # created once
    assert set(OutboxRow.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.parametrize(("method", "path"), STEPS)
@pytest.mark.parametrize("fault", ["500", "429", "timeout"])
def test_a_temporary_failure_of_any_step_is_retried_to_a_complete_record(
    crm, platform, commit, method, path, fault
):
    crm_integration, partner = crm
    platform.faults.rules.append(FaultRule(method, path, fault, after_work=fault == "timeout",
                                           seconds=0.6))

    lead_with_a_new_source_and_an_unmapped_owner(crm_integration, partner, platform, commit)

    assert platform.store.stats[f"fault {method} {path} {fault}"] == 1  # it did happen
    assert_one_complete_record(platform)
    assert not [row for row in OutboxRow.objects.all() if row.sent_without_lead_source]


def test_a_lead_source_that_could_not_be_created_waits_visibly_with_its_lead(
    crm, platform, settings
):
    crm_integration, partner = crm
    # One attempt per call below: not due again within it, however slow the machine.
    settings.CONNECTOR_RETRY_QUICK_BASE_SECONDS = settings.CONNECTOR_RETRY_QUICK_MAX_SECONDS = 60
    platform.faults.rules.append(FaultRule("POST", "/lead-sources", "500", times=1000))
    records_ingest(integration=partner, kind="prospect", records=[{
        "external_id": "ACP-2", "first_name": "Ines", "last_name": "Moreau",
        "lead_source": {"name": "Spring promo"}}])

    for _ in range(3):
        deliver_all_due(budget_seconds=1)
        OutboxRow.objects.update(next_attempt_at=None)

    row = OutboxRow.objects.get(integration=crm_integration)
    assert (row.status, row.attempts) == ("pending", 3)  # retried as a whole, never sent
    assert row.last_error.startswith("Creating the lead source “Spring promo” at CRM: ")
    assert "(500)" in row.last_error
    assert platform.store.all_records("prospect") == []


@pytest.mark.parametrize("look_up", ["staff_translate", "lead_sources_translate"])
def test_a_mapping_look_up_that_fails_is_retried(crm, platform, commit, monkeypatch, look_up):
    crm_integration, partner = crm
    real, failures = getattr(translate, look_up), []

    def flaky(**kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("could not serialize access")
        return real(**kwargs)

    monkeypatch.setattr(translate, look_up, flaky)
    lead_with_a_new_source_and_an_unmapped_owner(crm_integration, partner, platform, commit)

    assert failures
    assert_one_complete_record(platform)
