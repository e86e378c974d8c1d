"""Matching people end to end over real HTTP (issue 14): the Connector, a partner on the
partner API (a real local server), and the sandbox platform playing InTouch.

- the same person from two platforms is one record, and a receiver gets one creation;
- a member entered at the club management system without `prospect_external_id` converts
  the InTouch lead at InTouch (no second person there);
- a launch preview and switch-on of InTouch, whose sandbox holds 5,000 people the client
  already has from the partner, creates none of them again.
"""

from __future__ import annotations

import pytest

from integrations.models import Launch, Member, Prospect
from integrations.records.normalize import record_normalize
from integrations.services.launches import launch_preview_start, launch_switch_on
from integrations.sync.inbound.fetch import integration_fetch
from integrations.sync.inbound.ingest import records_ingest
from tests.factories import IntegrationFactory, PlatformFactory
from tests.sync.test_end_to_end import (
    deliver_everything,
    intouch_api,  # noqa: F401 - fixtures
    intouch_sandbox,  # noqa: F401
    partner_api,  # noqa: F401
    partner_feed,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]
MARIA = {"first_name": "Maria", "last_name": "Gomez", "email": "maria.gomez@example.com",
         "phone": "+12125550147"}


@pytest.fixture
def acme(club):
    """A two-way partner on the partner API that reads the change feed."""
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="acme", name="Acme"),
                              direction="both", mode="push", data="prospects")


def test_the_same_person_entered_at_both_platforms_is_one_person_everywhere(
    intouch_api, intouch_sandbox, acme, partner_api, commit  # noqa: F811
):
    # Entered at InTouch's front desk: fetched, and published to the partner's feed.
    intouch_sandbox.store.record_create("prospect", MARIA)
    commit(integration_fetch, integration_id=intouch_api.pk)
    [created] = partner_feed(partner_api, expect=1)
    assert created["type"] == "prospect.created" and created["data"]["external_id"] is None
    # Entered at the partner too, who never heard of InTouch's id: the same person.
    answer = partner_api.put(f"{partner_api.base}/prospects/ACP-7",
                             json={**MARIA, "email": "Maria.Gomez@example.com"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["matched"]["method"] == "name+email+phone"
    assert answer.json()["id"] == created["data"]["id"]
    commit(deliver_everything)
    assert Prospect.objects.count() == 1
    assert len(intouch_sandbox.store.all_records("prospect")) == 1
    assert [e["type"] for e in partner_feed(partner_api, expect=1)] == ["prospect.created"]


@pytest.fixture
def cms(club):
    """The club management system: sends members by the partner API."""
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="cms", name="CMS"),
                              direction="send", mode="push", data="members",
                              staff_owner=False, lead_source=False)


def test_a_member_entered_at_the_front_desk_converts_the_intouch_lead(
    intouch_api, intouch_sandbox, cms, live_server, commit  # noqa: F811
):
    from integrations.services.launch import api_key_issue

    lead = intouch_sandbox.store.record_create("prospect", MARIA)[0]
    commit(integration_fetch, integration_id=intouch_api.pk)
    _, key = api_key_issue(platform=cms.platform)
    import requests

    answer = requests.put(
        f"{live_server.url}/api/v1/clients/{cms.client_id}/members/M-1001",
        json={**MARIA, "phone": "(212) 555-0147", "membership_number": "1001",
              "status": "active"},
        headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert answer.status_code == 201, answer.text
    assert answer.json()["matched"]["prospect_id"] == str(Prospect.objects.get().pk)
    commit(deliver_everything)
    [member] = intouch_sandbox.store.all_records("member")
    assert member["prospect_external_id"] == lead["id"]
    assert len(intouch_sandbox.store.all_records("prospect")) == 1  # no second person
    assert Member.objects.get().prospect_id == Prospect.objects.get().pk


EXISTING = 5000


def test_launching_intouch_over_people_the_partner_has_creates_none_of_them_again(
    club, intouch_sandbox, acme, commit, admin_user  # noqa: F811
):
    from integrations.models import Integration

    # The partner was on the Connector first: the client's 5,000 people came from it.
    people = [
        {"external_id": f"AC-{i}", "first_name": f"Person{i:04d}", "last_name": "Lindqvist",
         "email": f"person{i}@example.com", "phone": f"+1212{5550000 + i:07d}"}
        for i in range(EXISTING)
    ]
    for start in range(0, EXISTING, 500):
        bodies = [record_normalize(kind="prospect", data=p)[0] for p in people[start:start + 500]]
        records_ingest(integration=acme, kind="prospect", records=bodies)
    # InTouch holds the same people under its own ids, and 20 of its own.
    store = intouch_sandbox.store
    for p in people:
        store.record_create("prospect", {k: v for k, v in p.items() if k != "external_id"})
    for i in range(20):
        store.record_create("prospect", {"first_name": f"Walkin{i:02d}", "last_name": "Ek",
                                          "email": f"walkin{i}@example.com"})
    intouch = Integration.objects.create(
        client=club, platform=PlatformFactory(slug="intouch", name="InTouch"),
        direction="both", data="prospects", mode="api", is_primary=True, enabled=False,
        base_url=intouch_sandbox.base_url, credentials="sandbox-token",
    )
    creates_before = len(store.journal)

    launch = commit(launch_preview_start, integration=intouch, acting_user=admin_user)
    launch.refresh_from_db()
    assert (launch.received, launch.linked, launch.new) == (EXISTING + 20, EXISTING, 20)
    commit(launch_switch_on, launch=launch, start_from_now=False, acting_user=admin_user)
    commit(deliver_everything)
    assert Launch.objects.get().status == Launch.Status.SWITCHED_ON
    # Nothing was created again at InTouch, and the 20 new people went to the partner.
    assert [w for w in store.journal[creates_before:] if w[2] == "create"] == []
    assert len(store.all_records("prospect")) == EXISTING + 20
    assert Prospect.objects.count() == EXISTING + 20
