"""Feed partners follow the same owner and lead-source rules as the other transports.

Issue 16: a lead sent without its owner gets the owner as an update event once mapped; *hold*
holds (the feed does not serve the event, and serves it after every cursor handed out once
released); a lead source without a mapping follows as an update once mapped.
"""

from __future__ import annotations

import pytest

from integrations.models import LogEntry, OutboxRow
from integrations.sync.delivery.recheck import outbox_recheck
from integrations.sync.delivery.release import staff_mapping_made
from integrations.sync.delivery.resend import deliveries_retry
from integrations.sync.inbound.ingest import records_ingest
from mappings.models import RemoteLeadSource
from tests.factories import IntegrationFactory, PlatformFactory, RemoteStaffFactory
from tests.sync.helpers import feed, same_lead_source, same_person

# Real commits: the feed serves only rows of finished transactions (feed.py).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sender(club):
    sender = IntegrationFactory(client=club, platform=PlatformFactory(slug="crm", name="CRM"),
                                direction="send", data="prospects", mode="push")
    RemoteStaffFactory(integration=sender, external_id="IT-14", first_name="Jordan",
                       last_name="Reyes")
    return sender


@pytest.fixture
def reader(club):
    """A partner that reads the change feed, with owners and lead sources."""
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="acme", name="Acme"),
                              direction="receive", data="prospects", mode="push",
                              staff_owner=True, lead_source=True)


def push(sender, external_id: str, **fields) -> None:
    records_ingest(integration=sender, kind="prospect", records=[{
        "external_id": external_id, "first_name": "Ines", "last_name": "Moreau",
        "staff_owner": {"external_id": "IT-14"}, **fields}])


def map_jordan(sender, reader):
    jordan = sender.remote_staff.get(external_id="IT-14")
    there = RemoteStaffFactory(integration=reader, external_id="AC-14", first_name="Jordan",
                               last_name="Reyes")
    same_person(jordan, there)
    staff_mapping_made(integration_id=reader.pk, remote_staff_ids=[there.pk])


def test_the_owner_follows_as_an_update_event_once_mapped(sender, reader):
    push(sender, "IT-P1", lead_source={"name": "Walk-in"})
    [created], cursor = feed(reader, expect=1)
    assert created["type"] == "prospect.created" and created["data"]["staff_owner"] is None
    assert OutboxRow.objects.get(integration=reader).sent_without_owner
    warning = LogEntry.objects.get(level="warning", summary__contains="without an owner")
    assert "Jordan Reyes (CRM staff IT-14)" in warning.summary

    map_jordan(sender, reader)

    [update], _ = feed(reader, after=cursor, expect=1)
    assert update["type"] == "prospect.updated"
    assert update["data"]["staff_owner"]["external_id"] == "AC-14"
    assert not OutboxRow.objects.filter(sent_without_owner=True).exists()


def test_hold_holds_feed_events_and_publishes_them_after_every_cursor(sender, reader):
    reader.unmatched_owner = "hold"
    reader.save()
    push(sender, "IT-P1")
    push(sender, "IT-P1", phone="+12125550001")  # a later change of the same record
    push(sender, "IT-P2", staff_owner=None)  # another lead, no owner: not held
    events, cursor = feed(reader, expect=1)
    assert [e["data"]["id"] for e in events] == [
        str(OutboxRow.objects.filter(integration=reader).order_by("id").last().record_id)]
    held = OutboxRow.objects.filter(integration=reader, status="held").order_by("id")
    assert len(held) == 2 and "Jordan Reyes" in held[0].hold_reason
    assert "behind an earlier change" in held[1].hold_reason

    map_jordan(sender, reader)

    released, _ = feed(reader, after=cursor, expect=2)  # a cursor handed out before it
    assert [e["type"] for e in released] == ["prospect.created", "prospect.updated"]
    assert released[1]["data"]["phone"] == "+12125550001"
    assert {e["data"]["staff_owner"]["external_id"] for e in released} == {"AC-14"}
    assert set(OutboxRow.objects.filter(pk__in=[r.pk for r in held])
               .values_list("status", flat=True)) == {"superseded"}
    everything, _ = feed(reader, expect=3)
    assert len(everything) == 3  # the held rows are never served


def test_a_lead_source_mapped_later_follows_as_an_update_event(sender, reader):
    push(sender, "IT-P1", staff_owner=None, lead_source={"external_id": "ITLS-5",
                                                          "name": "Spring promo"})
    [created], cursor = feed(reader, expect=1)
    assert created["data"]["lead_source"] == {"external_id": None, "name": "Spring promo"}
    assert OutboxRow.objects.get(integration=reader).sent_without_lead_source

    same_lead_source(RemoteLeadSource.objects.get(integration=sender, external_id="ITLS-5"),
                     RemoteLeadSource.objects.create(integration=reader, external_id="AC-LS-9",
                                                     name="Spring promo"))

    assert outbox_recheck()["updates"] == 1  # the periodic follow-up (outbox sweep)

    [update], _ = feed(reader, after=cursor, expect=1)
    assert update["data"]["lead_source"] == {"external_id": "AC-LS-9", "name": "Spring promo"}
    assert outbox_recheck() == {"updates": 0, "released": 0}


def test_a_held_feed_event_sent_again_by_support_is_published_once_its_owner_maps(
    sender, reader
):
    reader.unmatched_owner = "hold"
    reader.save()
    push(sender, "IT-P1")
    row = OutboxRow.objects.get(integration=reader)

    deliveries_retry(row_ids=[row.pk])  # still no mapping: it stays held
    assert OutboxRow.objects.get(pk=row.pk).status == "held"
    assert feed(reader)[0] == []

    jordan = sender.remote_staff.get(external_id="IT-14")
    same_person(jordan, RemoteStaffFactory(integration=reader, external_id="AC-14"))
    deliveries_retry(row_ids=[row.pk])

    [event], _ = feed(reader, expect=1)
    assert event["data"]["staff_owner"]["external_id"] == "AC-14"
    assert OutboxRow.objects.get(pk=row.pk).status == "superseded"


def test_a_held_row_whose_mapping_came_without_the_hook_is_released_by_the_sweep(
    sender, reader
):
    reader.unmatched_owner = "hold"
    reader.save()
    push(sender, "IT-P1")
    jordan = sender.remote_staff.get(external_id="IT-14")
    same_person(jordan, RemoteStaffFactory(integration=reader, external_id="AC-14"))

    assert outbox_recheck()["released"] == 1

    [event], _ = feed(reader, expect=1)
    assert event["data"]["staff_owner"]["external_id"] == "AC-14"
