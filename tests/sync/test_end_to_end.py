"""A lead's whole journey over real HTTP: partner → Connector → sandbox InTouch and back.

The sandbox platform serves the REST contract on 127.0.0.1; the Connector reaches it through
the real REST adapter. Rosters are fetched from it, matching runs, deliveries translate ids.
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from integrations.models import OutboxRow, Prospect
from integrations.sandbox import SandboxServer, SandboxStore
from integrations.sync.delivery.worker import deliver_all_due
from integrations.sync.inbound.fetch import integration_fetch
from mappings.services.rosters import lead_source_roster_replace, staff_roster_replace
from tests.factories import IntegrationFactory, PlatformFactory

TOKEN = "sandbox-token"
# Real commits: the change feed serves only rows of finished transactions (feed.py).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Django's live server closes the shared in-memory SQLite connection from its request
    # threads at teardown (a known quirk, harmless): not this module's behaviour.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


@pytest.fixture
def intouch_sandbox():
    store = SandboxStore(
        staff=[{"id": "IT-1", "first_name": "Samuel", "last_name": "Ortiz",
                "email": "sam.ortiz@club.example"}],
        lead_sources=[{"id": "ITLS-1", "name": "Walk-in"}],
    )
    with SandboxServer(token=TOKEN, store=store) as server:
        yield server


@pytest.fixture
def intouch_api(club, intouch_sandbox):
    # transactional_db flushes the migration's InTouch row: make it again, the same way.
    intouch = PlatformFactory(slug="intouch", name="InTouch", can_create_lead_sources=True)
    return IntegrationFactory(client=club, platform=intouch, direction="both", mode="api",
                              is_primary=True, base_url=intouch_sandbox.base_url,
                              credentials=TOKEN)


@pytest.fixture
def acme(club):
    """A two-way partner that sends by the partner API and reads the change feed."""
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="acme", name="Acme"),
                              direction="both", mode="push")


@pytest.fixture
def partner_api(acme, live_server):
    """The partner's HTTP client for the Connector's partner API (a real local server)."""
    from integrations.services.launch import api_key_issue

    _, key = api_key_issue(platform=acme.platform)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    session.base = f"{live_server.url}/api/v1/clients/{acme.client_id}"
    return session


def partner_push(session, external_id, **body):
    """PUT the prospect as the partner does; returns the stored prospect's Connector id."""
    answer = session.put(f"{session.base}/prospects/{external_id}", json=body, timeout=10)
    assert answer.status_code in (200, 201), answer.text
    return uuid.UUID(answer.json()["id"])


def partner_feed(session, *, expect: int) -> list[dict]:
    """The partner's change feed once it shows `expect` events.

    On PostgreSQL the feed serves rows below the oldest running transaction of the whole
    server (feed.py); other test suites sharing the server can hold that back for seconds.
    """
    deadline = time.monotonic() + 20
    while True:
        answer = session.get(f"{session.base}/changes", params={"limit": 100}, timeout=10)
        assert answer.status_code == 200, answer.text
        events = answer.json()["results"]
        if len(events) >= expect or time.monotonic() > deadline:
            return events
        time.sleep(0.1)


def deliver_everything():
    for _ in range(20):
        if not deliver_all_due():
            return
    raise AssertionError("deliveries did not settle")


@pytest.fixture
def connected(intouch_api, acme, commit):
    """Rosters on both sides and their matching, as the demo starts."""
    assert commit(integration_fetch, integration_id=intouch_api.pk)["staff"] == 1
    commit(staff_roster_replace, integration=acme, staff=[
        {"external_id": "AC-10", "first_name": "Sam", "last_name": "Ortiz",
         "email": "sam.ortiz@club.example", "active": True}])
    commit(lead_source_roster_replace, integration=acme, lead_sources=[
        {"external_id": "ACLS-3", "name": "Google", "active": True}])
    return intouch_api, acme


def test_partner_prospect_arrives_in_intouch_with_intouch_ids(
    connected, intouch_sandbox, commit, partner_api
):
    intouch_api, acme = connected

    record_id = partner_push(partner_api, "ACP-1", first_name="Maria", last_name="Gomez",
                             email="maria@example.com", staff_owner={"external_id": "AC-10"},
                             lead_source={"external_id": "ACLS-3", "name": "Google"})
    deliver_everything()

    [arrived] = intouch_sandbox.store.all_records("prospect")
    assert (arrived["first_name"], arrived["email"]) == ("Maria", "maria@example.com")
    assert arrived["staff_owner_id"] == "IT-1"
    google = [s for s in intouch_sandbox.store.lead_sources.values() if s["name"] == "Google"]
    assert [arrived["lead_source_id"]] == [s["id"] for s in google]  # created there
    assert OutboxRow.objects.get(record_id=record_id).status == "delivered"

    # Fetching InTouch back finds the Connector's own write: nothing goes back to Acme.
    commit(integration_fetch, integration_id=intouch_api.pk)
    assert not OutboxRow.objects.filter(integration=acme).exists()


def test_intouch_prospect_reaches_the_partners_feed(
    connected, intouch_sandbox, commit, partner_api
):
    intouch_api, acme = connected
    intouch_sandbox.store.record_create("prospect", {
        "first_name": "Kenji", "last_name": "Watanabe", "email": "kenji@example.com",
        "staff_owner_id": "IT-1", "lead_source_id": "ITLS-1"})

    counts = commit(integration_fetch, integration_id=intouch_api.pk)
    deliver_everything()

    assert counts["prospects_created"] == 1
    [event] = partner_feed(partner_api, expect=1)
    assert event["type"] == "prospect.created"
    assert event["data"]["first_name"] == "Kenji"
    assert event["data"]["staff_owner"]["external_id"] == "AC-10"
    assert OutboxRow.objects.get(integration=acme).status == "delivered"
    assert not OutboxRow.objects.filter(integration=intouch_api).exists()  # no echo


def test_two_way_edits_converge_without_echo(connected, intouch_sandbox, commit, partner_api):
    intouch_api, acme = connected
    record_id = partner_push(partner_api, "ACP-2", first_name="Lena", last_name="Fischer",
                             updated_at="2026-11-20T10:00:00Z")
    deliver_everything()
    [at_intouch] = intouch_sandbox.store.all_records("prospect")

    partner_push(partner_api, "ACP-2", first_name="Lena", last_name="Fischer-Braun",
                 updated_at="2026-11-21T10:00:00Z")
    deliver_everything()
    intouch_sandbox.store.record_update("prospect", at_intouch["id"], {"phone": "+12125550099"})
    commit(integration_fetch, integration_id=intouch_api.pk)
    deliver_everything()

    prospect = Prospect.objects.get(pk=record_id)
    [at_intouch] = intouch_sandbox.store.all_records("prospect")
    assert (prospect.last_name, prospect.phone) == ("Fischer-Braun", "+12125550099")
    assert (at_intouch["last_name"], at_intouch["phone"]) == ("Fischer-Braun", "+12125550099")
    events = partner_feed(partner_api, expect=1)
    assert [e["data"]["phone"] for e in events] == ["+12125550099"]  # only InTouch's edit
    assert OutboxRow.objects.filter(integration=intouch_api).count() == 2  # create + rename



def test_held_lead_is_released_when_its_owner_gets_mapped(connected, intouch_sandbox, commit,
                                                          partner_api):
    intouch_api, acme = connected
    intouch_api.unmatched_owner = "hold"
    intouch_api.save()
    commit(staff_roster_replace, integration=acme, staff=[
        {"external_id": "AC-10", "first_name": "Sam", "last_name": "Ortiz",
         "email": "sam.ortiz@club.example", "active": True},
        {"external_id": "AC-14", "first_name": "Jordan", "last_name": "Reyes",
         "email": "jordan@club.example", "active": True}])
    record_id = partner_push(partner_api, "ACP-9", first_name="Ines", last_name="Moreau",
                             staff_owner={"external_id": "AC-14"})
    deliver_everything()
    row = OutboxRow.objects.get(record_id=record_id)
    assert row.status == "held" and "Jordan Reyes" in row.hold_reason
    assert not intouch_sandbox.store.all_records("prospect")

    # Jordan joins InTouch: the next fetch brings the staff, matching maps the person, the
    # mapping app tells the sync engine, the held lead goes out with Jordan as its owner.
    intouch_sandbox.store.staff_add(id="IT-9", first_name="Jordan", last_name="Reyes",
                                    email="jordan@club.example")
    commit(integration_fetch, integration_id=intouch_api.pk)
    deliver_everything()

    row.refresh_from_db()
    assert row.status == "delivered"
    [arrived] = intouch_sandbox.store.all_records("prospect")
    assert (arrived["last_name"], arrived["staff_owner_id"]) == ("Moreau", "IT-9")
