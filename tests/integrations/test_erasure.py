"""Erasing a person: nothing of them left in any table or log, every platform told once."""

from __future__ import annotations

import logging
import time

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from integrations.adapters.base import Capabilities
from integrations.adapters.rest import RestAdapter
from integrations.logging_redact import RedactPersonalData
from integrations.models import (
    AuditEntry,
    Change,
    ExternalLink,
    LogEntry,
    OutboxRow,
    SyncRun,
    WebhookEndpoint,
)
from integrations.models.logs import audit_record, log_write
from integrations.records.shape import record_shape
from integrations.services.erasure import record_erase
from integrations.services.launch import api_key_issue
from integrations.sync.delivery.deliver import deliver_integration
from integrations.sync.delivery.feed import feed_page
from integrations.sync.inbound.ingest import records_ingest
from integrations.webhooks.signing import generate_secret
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory
from tests.sync.receiver import WebhookReceiver

EMAIL, PHONE, FIRST, LAST = "erin.vale@example.org", "+12125550188", "Erinna", "Valeworth"
NATIONAL_PHONE = "(212) 555-0188"
PERSON = {"first_name": FIRST, "last_name": LAST, "email": EMAIL, "phone": PHONE,
          "notes": f"Called {FIRST} twice", "address": {"city": "Lyon", "line1": "4 rue Vale"}}
KINDS = ["prospect", "member"]


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    monkeypatch.setattr("mappings.services.rosters.rematch_queue", lambda **kw: None)
    monkeypatch.setattr("integrations.sync.inbound.references.rematch_queue", lambda **kw: None)


@pytest.fixture
def club(db):
    return ClientFactory(id="club-e")


@pytest.fixture
def sender(club):
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="cms"), direction="both")


@pytest.fixture
def feed_partner(club):
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="feedy"),
                              direction="receive")


@pytest.fixture
def hooked(club):
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="hooky"),
                              direction="receive")


@pytest.fixture
def log_file(tmp_path, settings):
    """The application log written to a file the way production's handler writes it."""
    path = tmp_path / "connector.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    handler.addFilter(RedactPersonalData())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    yield path
    root.removeHandler(handler)
    handler.close()


@pytest.fixture
def sender_api(sender) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_issue(platform=sender.platform)[1]}")
    return client


def _stored_anywhere(*needles: str) -> list[str]:
    """Every table's rows as text, and where any of `needles` still stands."""
    found = []
    for model in apps.get_models():
        for row in model._base_manager.values():
            text = " ".join(str(value) for value in row.values()).lower()
            found += [f"{model._meta.label}: {n}" for n in needles if n.lower() in text]
    return found


def _ingest_person(sender, kind="prospect", **extra):
    [result] = records_ingest(integration=sender, kind=kind,
                              records=[{"external_id": "CMS-1", **PERSON, **extra}])
    return record_shape(kind).model.objects.get(pk=result.id)


def _traces_naming(person, sender, kind) -> None:
    """Lines and errors that name the person in other ways than the record's own fields."""
    client = sender.client_id
    log_write(client_id=client, level="warning", integration_id=sender.pk,
              summary=f"{FIRST} {LAST} went out without an owner", record_kind=kind,
              record_id=person.pk)
    log_write(client_id=client, level="info", summary=f"Looked up {EMAIL}")
    log_write(client_id=client, level="info", summary=f"Called back on {NATIONAL_PHONE}")
    log_write(client_id=client, level="info", summary="Merged", detail=f"{kind} {person.pk}")
    log_write(client_id=client, level="info", summary=f"{LAST}, {FIRST} asked for a refund")
    log_write(client_id=client, level="info", summary=f"{LAST} came by")  # no other Valeworth
    [other] = records_ingest(integration=sender, kind=kind, records=[
        {"external_id": "CMS-2", "first_name": "Bo", "last_name": "Berg"}])
    assert other.id is not None
    OutboxRow.objects.filter(kind=kind, record_id=other.id).update(  # a row of someone else
        last_error="The platform refused the request (409): 212.555.0188 is taken")
    SyncRun.objects.create(integration=sender, kind="fetch", status="failed",
                           error=f"{FIRST.upper()} {LAST.upper()} could not be read")
    audit_record(actor=None, action=f"{kind}.edit", target=person, client=client,
                 old={"email": "old@example.org"}, new={"email": EMAIL})


@pytest.mark.parametrize("kind", KINDS)
def test_a_partner_erases_a_person_and_nothing_of_them_is_left(
    kind, sender, feed_partner, hooked, sender_api, caplog, log_file,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    person = _ingest_person(sender, kind)
    ExternalLink.objects.create(integration=feed_partner, kind=kind, external_id="F-77",
                                **{kind: person})
    _traces_naming(person, sender, kind)
    assert _stored_anywhere(EMAIL)  # the search finds what it looks for

    with django_capture_on_commit_callbacks(execute=True):
        answer = sender_api.delete(f"/api/v1/clients/club-e/{kind}s/CMS-1")
    assert answer.status_code == 204

    assert _stored_anywhere(EMAIL, PHONE, FIRST, LAST, "4 rue Vale", "555-0188", "555.0188") == []
    written = log_file.read_text()
    assert "Enqueued" in written  # the handler saw the run (ingest and erasure queue tasks)
    for needle in (EMAIL, PHONE, FIRST, LAST, NATIONAL_PHONE):
        assert needle not in caplog.text and needle not in written
    person.refresh_from_db()
    assert person.erased_at is not None and person.full_name == "" and person.address == {}
    assert not ExternalLink.objects.filter(**{kind: person}).exists()
    assert sender_api.get(f"/api/v1/clients/club-e/{kind}s/CMS-1").status_code == 404
    [erase] = AuditEntry.objects.filter(action=f"{kind}.erase")
    assert (erase.target_id, erase.target_repr) == (str(person.pk), "")
    assert erase.new == {"requested_by": "cms", "told": sorted([feed_partner.pk, hooked.pk])}
    # The sender asked: it is not told back; each other holder gets one erased event.
    told = OutboxRow.objects.filter(event_type=f"{kind}.erased")
    assert sorted(told.values_list("integration_id", flat=True)) == [feed_partner.pk, hooked.pk]
    assert OutboxRow.objects.filter(event_type=f"{kind}.created", status="pending").count() == 0
    # Every line about the person (those ingest wrote too) and those naming them in words.
    about = LogEntry.objects.filter(record_id=person.pk)
    assert about.exists() and set(about.values_list("summary", flat=True)) == {
        f"A {kind} was erased."}
    assert LogEntry.objects.filter(record_id=None, summary=f"A {kind} was erased.").count() == 5
    assert SyncRun.objects.get(kind="fetch").error == "(erased)"
    # Bo's rows, to the two receivers, named the person's phone in their error.
    assert OutboxRow.objects.filter(last_error="(erased)").count() == 2


def test_only_what_names_the_person_is_scrubbed_not_others_text(sender):
    person = _ingest_person(sender)
    records_ingest(integration=sender, kind="prospect", records=[
        {"external_id": "CMS-2", "first_name": "Ada", "last_name": LAST}])
    client = sender.client_id
    kept = [f"Ada {LAST} went out without an owner",  # another Valeworth: the name alone
            f"{LAST} came by",  # may be about her
            f"{FIRST} called",  # a first name alone names no one
            "Call 212-555-0189 about the Valeworthy account",
            "Order 912125550188 was imported"]  # digits of the phone in a longer number
    for summary in kept:
        log_write(client_id=client, level="info", summary=summary)
    log_write(client_id=client, level="info", summary=f"{FIRST}  {LAST.lower()} came by")

    record_erase(record=person)

    summaries = set(LogEntry.objects.filter(record_id=None).values_list("summary", flat=True))
    assert summaries == {*kept, "A prospect was erased."}


@pytest.mark.django_db(transaction=True)  # the feed serves committed rows only (PostgreSQL)
def test_the_feed_and_webhooks_carry_the_erased_event_in_each_partners_own_id(
    sender, feed_partner, hooked
):
    secret = generate_secret()
    with WebhookReceiver(secret) as receiver:
        WebhookEndpoint.objects.create(integration=hooked, url=receiver.url, secret=secret)
        person = _ingest_person(sender)
        ExternalLink.objects.create(integration=feed_partner, kind="prospect",
                                    external_id="F-77", prospect=person)
        deliver_integration(integration_id=hooked.pk)  # the created event first
        assert record_erase(record=person) is True
        deliver_integration(integration_id=hooked.pk)
        deliver_integration(integration_id=feed_partner.pk)
    created, erased = receiver.received
    assert created[1]["type"] == "prospect.created"
    assert erased[1]["type"] == "prospect.erased"
    assert erased[1]["data"] == {"id": str(person.pk), "external_id": None}
    deadline = time.monotonic() + 15  # another session's open transaction holds the
    while True:  # PostgreSQL feed's watermark back for a moment
        events, _ = feed_page(integration=feed_partner, after=None, limit=10)
        if len(events) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [e["type"] for e in events] == ["prospect.created", "prospect.erased"]
    assert events[1]["data"] == {"id": str(person.pk), "external_id": "F-77"}
    assert EMAIL not in str(events)  # the earlier event's snapshot is gone too


def _held_at_an_api_platform(club, sender, intouch):
    """A person delivered to InTouch (in `api` mode), known there as IT-9."""
    destination = IntegrationFactory(client=club, platform=intouch, direction="receive",
                                     mode="api", is_primary=True, base_url="http://127.0.0.1:9",
                                     credentials="t")
    person = _ingest_person(sender)
    OutboxRow.objects.filter(integration=destination).update(status="delivered")
    ExternalLink.objects.create(integration=destination, kind="prospect", external_id="IT-9",
                                prospect=person)
    return destination, person


def test_an_api_platform_without_an_erase_call_asks_support_to_erase_it_by_hand(
    club, sender, intouch
):
    destination, person = _held_at_an_api_platform(club, sender, intouch)
    record_erase(record=person)
    deliver_integration(integration_id=destination.pk)
    row = OutboxRow.objects.get(integration=destination, event_type="prospect.erased")
    assert row.status == "failed"
    assert row.last_error.startswith("This platform has no erase call: erase prospect IT-9")


def test_an_api_platform_that_can_erase_gets_the_call(club, sender, intouch, monkeypatch):
    erased = []

    class ErasingAdapter(RestAdapter):
        capabilities = Capabilities(erase_records=True)

        def erase_record(self, kind, external_id):
            erased.append((kind, external_id))

    monkeypatch.setattr("integrations.adapters.adapter_for",
                        lambda integration: ErasingAdapter(None))  # type: ignore[arg-type]
    destination, person = _held_at_an_api_platform(club, sender, intouch)
    record_erase(record=person)
    deliver_integration(integration_id=destination.pk)
    assert erased == [("prospect", "IT-9")]
    assert OutboxRow.objects.get(integration=destination, event_type="prospect.erased").status == (
        "delivered"
    )


def test_a_second_erasure_changes_nothing_and_the_id_can_be_used_again(sender, feed_partner):
    person = _ingest_person(sender)
    assert record_erase(record=person) is True
    changes = Change.objects.count()
    assert record_erase(record=person) is False
    assert Change.objects.count() == changes
    [again] = records_ingest(integration=sender, kind="prospect",
                             records=[{"external_id": "CMS-1", "first_name": "New"}])
    assert again.status == "created" and again.id != person.pk


def test_connector_id_cannot_bring_an_erased_record_back(sender):
    person = _ingest_person(sender)
    record_erase(record=person)
    [result] = records_ingest(integration=sender, kind="prospect",
                              records=[{"external_id": "X", "connector_id": str(person.pk)}])
    assert result.status == "error" and result.errors[0]["field"] == "connector_id"


@pytest.mark.parametrize("kind", KINDS)
def test_support_staff_erase_from_the_admin_after_confirming(
    kind, admin_client, sender, feed_partner
):
    person = _ingest_person(sender, kind)
    url = reverse(f"admin:integrations_{kind}_changelist")
    asked = admin_client.post(url, {"action": "erase_selected", "_selected_action": [person.pk]})
    assert asked.status_code == 200 and b"Erase 1 person everywhere?" in asked.content
    person.refresh_from_db()
    assert person.erased_at is None  # nothing before the confirmation
    done = admin_client.post(url, {"action": "erase_selected", "_selected_action": [person.pk],
                                   "confirmed": "yes"}, follow=True)
    assert b"Erased 1 person" in done.content
    person.refresh_from_db()
    assert person.erased_at is not None
    erase = AuditEntry.objects.get(action=f"{kind}.erase")
    assert erase.actor is not None and erase.new["requested_by"] == "support staff"
    assert _stored_anywhere(EMAIL, PHONE, FIRST, LAST) == []


def test_records_cannot_be_deleted_in_the_admin_only_erased(admin_client, sender):
    person = _ingest_person(sender)
    url = reverse("admin:integrations_prospect_delete", args=[person.pk])
    assert admin_client.get(url).status_code == 403
