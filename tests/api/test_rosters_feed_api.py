"""Contract: rosters, the change feed (translated), links and the webhook endpoint."""

from __future__ import annotations

import time

import pytest

from integrations.models import ExternalLink, Prospect, WebhookEndpoint
from mappings.models import (
    LeadSource,
    LeadSourceMapping,
    RemoteLeadSource,
    RemoteStaff,
    StaffMapping,
    StaffPerson,
)

BASE = "/api/v1/clients/club-a"
ANA = {"first_name": "Ana", "last_name": "Lopez"}


def staff(ext, first="Sam", last="Ortiz", **extra):
    return {"external_id": ext, "first_name": first, "last_name": last, **extra}


def test_staff_put_upserts_and_marks_missing_inactive(api, sender):
    first = api.put(
        f"{BASE}/staff", {"staff": [staff("E1", email="Sam@Club.com"), staff("E2")]}, format="json"
    )
    assert first.status_code == 200
    assert first.json() == {
        "received": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
    }
    second = api.put(f"{BASE}/staff", {"staff": [staff("E1", email="sam@club.com")]}, format="json")
    assert second.json()["deactivated"] == 1
    e2 = RemoteStaff.objects.get(integration=sender, external_id="E2")
    assert e2.active is False
    listed = api.get(f"{BASE}/staff").json()["results"]
    assert [(s["external_id"], s["active"], s["email"]) for s in listed] == [
        ("E1", True, "sam@club.com"),
        ("E2", False, ""),
    ]
    assert listed[0]["mapping"] == {
        "status": "unmatched",
        "method": None,
        "person_id": None,
        "score": None,
    }


def test_staff_get_shows_the_mapping(api, sender, club):
    api.put(f"{BASE}/staff", {"staff": [staff("E1")]}, format="json")
    person = StaffPerson.objects.create(client=club, external_id="P1", first_name="Sam")
    StaffMapping.objects.filter(remote__external_id="E1").update(
        status="matched", person=person, method="email", score=1.0
    )
    [row] = api.get(f"{BASE}/staff").json()["results"]
    assert row["mapping"] == {
        "status": "matched",
        "method": "email",
        "person_id": str(person.pk),
        "score": 1.0,
    }


def test_staff_roster_lists_every_bad_entry_and_stores_nothing(api, sender):
    response = api.put(
        f"{BASE}/staff",
        {"staff": [staff("E1", email="nope"), staff(""), staff("E1"), "x", staff("E3", active=1)]},
        format="json",
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "staff[0].email",
        "staff[1].external_id",
        "staff[2].external_id",
        "staff[3]",
        "staff[4].active",
    }
    assert not RemoteStaff.objects.exists()


def test_staff_names_and_email_may_be_null_as_the_schema_says(api, sender):
    """null is stored as empty, as on records, and the published schema says so (schemathesis
    once found the schema calling it invalid while the API accepted it)."""
    entry = {"external_id": "E1", "first_name": None, "last_name": None, "email": None}
    response = api.put(f"{BASE}/staff", {"staff": [entry]}, format="json")
    assert response.status_code == 200
    stored = RemoteStaff.objects.get(integration=sender, external_id="E1")
    assert (stored.first_name, stored.last_name, stored.email) == ("", "", "")
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    item = schema["components"]["schemas"]["StaffIn"]["properties"]
    assert all(item[name].get("nullable") for name in ("first_name", "last_name", "email"))


def test_staff_roster_over_the_cap_is_400(api, sender):
    response = api.put(
        f"{BASE}/staff", {"staff": [staff(f"E{i}") for i in range(10_001)]}, format="json"
    )
    assert response.status_code == 400


def test_lead_sources_roster_and_mapping(api, sender, club):
    response = api.put(
        f"{BASE}/lead-sources",
        {
            "lead_sources": [
                {"external_id": "LS1", "name": "Walk-in"},
                {"external_id": "LS2", "name": ""},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["lead_sources[1].name"]
    ok = api.put(
        f"{BASE}/lead-sources",
        {"lead_sources": [{"external_id": "LS1", "name": "Walk-in"}]},
        format="json",
    )
    assert ok.json()["created"] == 1
    [row] = api.get(f"{BASE}/lead-sources").json()["results"]
    assert row["external_id"] == "LS1" and row["mapping"]["status"] == "unmatched"


def test_rosters_are_accepted_from_receive_only_partners(receiver_api, receiver):
    response = receiver_api.put(f"{BASE}/staff", {"staff": [staff("U1")]}, format="json")
    assert response.status_code == 200


def map_staff(club, sender, receiver):
    person = StaffPerson.objects.create(client=club, external_id="DIR1", first_name="Sam")
    for integration, ext in ((sender, "E42"), (receiver, "U7")):
        remote = RemoteStaff.objects.create(
            integration=integration, external_id=ext, first_name="Sam", last_name="Ortiz"
        )
        StaffMapping.objects.create(
            remote=remote, integration=integration, person=person, status="matched"
        )


def map_source(club, sender, receiver):
    source = LeadSource.objects.create(client=club, name="Facebook", normalized_name="facebook")
    for integration, ext in ((sender, "LS7"), (receiver, "SRC-FB")):
        remote = RemoteLeadSource.objects.create(
            integration=integration, external_id=ext, name="FB"
        )
        LeadSourceMapping.objects.create(
            remote=remote, integration=integration, lead_source=source, status="matched"
        )


# Reading the feed on PostgreSQL serves only rows of finished transactions (its safe
# watermark), so tests that write then read the feed commit for real.
feed_db = pytest.mark.django_db(transaction=True)


def feed(client, query: str = "", expect: int = 1) -> dict:
    """Read the feed, waiting while a transaction elsewhere on the server holds the watermark."""
    deadline = time.monotonic() + 15
    while True:
        page = client.get(f"{BASE}/changes{query}").json()
        if len(page["results"]) >= expect or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


@feed_db
def test_feed_events_are_in_the_receivers_terms(api, receiver_api, club, sender, receiver):
    map_staff(club, sender, receiver)
    map_source(club, sender, receiver)
    body = {**ANA, "staff_owner": {"external_id": "E42"}, "lead_source": {"external_id": "LS7"}}
    created = api.put(f"{BASE}/prospects/P1", body, format="json").json()
    [event] = feed(receiver_api)["results"]
    assert event["id"].startswith("evt_")
    assert event["type"] == "prospect.created"
    assert event["client_id"] == "club-a"
    assert event["occurred_at"].endswith("Z")
    data = event["data"]
    assert data["id"] == created["id"]
    assert data["external_id"] is None
    assert data["first_name"] == "Ana"
    assert data["staff_owner"] == {"external_id": "U7", "email": "", "name": "Sam Ortiz"}
    assert data["lead_source"] == {"external_id": "SRC-FB", "name": "FB"}


@feed_db
def test_unmapped_owner_is_null_and_unmapped_source_has_null_id(
    api, receiver_api, club, sender, receiver
):
    body = {**ANA, "staff_owner": {"external_id": "E42"}, "lead_source": {"name": "Flyer"}}
    api.put(f"{BASE}/prospects/P1", body, format="json")
    [event] = feed(receiver_api)["results"]
    assert event["data"]["staff_owner"] is None
    assert event["data"]["lead_source"] == {"external_id": None, "name": "Flyer"}


@feed_db
def test_feed_is_oldest_first_repeatable_and_resumable(api, receiver_api, receiver):
    for i in range(5):
        api.put(f"{BASE}/prospects/P{i}", {**ANA, "notes": str(i)}, format="json")
    feed(receiver_api, expect=5)
    first = receiver_api.get(f"{BASE}/changes?limit=3").json()
    assert [e["data"]["notes"] for e in first["results"]] == ["0", "1", "2"]
    again = receiver_api.get(f"{BASE}/changes?limit=3").json()
    assert again == first
    rest = receiver_api.get(f"{BASE}/changes?after={first['next_cursor']}").json()
    assert [e["data"]["notes"] for e in rest["results"]] == ["3", "4"]
    empty = receiver_api.get(f"{BASE}/changes?after={rest['next_cursor']}").json()
    assert empty == {"results": [], "next_cursor": rest["next_cursor"]}
    assert receiver_api.get(f"{BASE}/changes?after=garbage").status_code == 400
    assert receiver_api.get(f"{BASE}/changes?limit=0").status_code == 400


def test_send_only_partner_has_no_feed(api, sender):
    sender.direction = "send"
    sender.save()
    response = api.get(f"{BASE}/changes")
    assert response.status_code == 403
    assert response.json()["option"] == "direction"


@feed_db
def test_link_then_events_carry_the_partners_id_and_no_echo(api, receiver_api, receiver):
    created = api.put(f"{BASE}/prospects/P1", ANA, format="json").json()
    link = {"type": "prospect", "connector_id": created["id"], "external_id": "R-1"}
    assert receiver_api.post(f"{BASE}/links", link, format="json").status_code == 200
    assert receiver_api.post(f"{BASE}/links", link, format="json").status_code == 200
    [event] = feed(receiver_api)["results"]
    assert event["data"]["external_id"] == "R-1"
    other = api.put(f"{BASE}/prospects/P2", ANA, format="json").json()
    clash = {"type": "prospect", "connector_id": other["id"], "external_id": "R-1"}
    response = receiver_api.post(f"{BASE}/links", clash, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"


def test_link_validation_lists_every_field(receiver_api, receiver):
    response = receiver_api.post(
        f"{BASE}/links", {"type": "lead", "connector_id": "x", "external_id": ""}, format="json"
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "type",
        "connector_id",
        "external_id",
    }


def test_link_to_unknown_record_is_404_naming_the_field(receiver_api, receiver):
    """A well-formed request naming a record that does not exist: 404, as for one in the URL."""
    link = {
        "type": "prospect",
        "connector_id": "6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5",
        "external_id": "R",
    }
    response = receiver_api.post(f"{BASE}/links", link, format="json")
    assert response.status_code == 404
    assert [e["field"] for e in response.json()["errors"]] == ["connector_id"]


def test_webhook_put_shows_the_secret_once_and_delete_stops(receiver_api, receiver, settings):
    response = receiver_api.put(
        f"{BASE}/webhook", {"url": "https://partner.example/hook"}, format="json"
    )
    assert response.status_code == 200
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get(integration=receiver)
    assert endpoint.secret == secret and endpoint.active
    assert receiver_api.delete(f"{BASE}/webhook").status_code == 204
    endpoint.refresh_from_db()
    assert endpoint.active is False


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example/hook",
        "https://127.0.0.1/x",
        "https://[::ffff:a9fe:a9fe]/",
        "ftp://x",
        "",
    ],
)
def test_unsafe_webhook_urls_are_refused(receiver_api, receiver, url, settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False
    response = receiver_api.put(f"{BASE}/webhook", {"url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "url"
    assert not WebhookEndpoint.objects.exists()


@feed_db
def test_connector_id_in_upsert_links_an_existing_record(api, receiver_api, club, sender, receiver):
    receiver.direction = "both"
    receiver.save()
    created = api.put(f"{BASE}/prospects/P1", ANA, format="json").json()
    body = {**ANA, "connector_id": created["id"], "notes": "from crm"}
    response = receiver_api.put(f"{BASE}/prospects/R-9", body, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert ExternalLink.objects.get(integration=receiver).external_id == "R-9"
    assert Prospect.objects.count() == 1
    # The receiver's own write is not echoed to it.
    events = feed(receiver_api)["results"]
    assert [e["type"] for e in events] == ["prospect.created"]
