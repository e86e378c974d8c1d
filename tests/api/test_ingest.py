"""The ingest service: one transaction, set-based, routing, ordering, links and conversions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from integrations.db.ingest import ids_reserve
from integrations.models import (
    Change,
    ExternalLink,
    Member,
    OutboxRow,
    Prospect,
    WebhookEndpoint,
)
from integrations.sync.inbound.ingest import records_ingest
from mappings.models import RemoteLeadSource, RemoteStaff, StaffMapping
from tests.factories import IntegrationFactory

T0 = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)


def ana(**extra):
    return {"external_id": "P1", "first_name": "Ana", "last_name": "Lopez", **extra}


def test_new_prospect_creates_record_link_change_and_one_row_per_receiver(sender, receiver):
    other = IntegrationFactory(client=sender.client, direction="receive", data="prospects")
    IntegrationFactory(
        client=sender.client,
        direction="receive",
        data="members",
        staff_owner=False,
        lead_source=False,
    )
    IntegrationFactory(client=sender.client, direction="receive", enabled=False)
    [result] = records_ingest(integration=sender, kind="prospect", records=[ana()])
    assert result.status == "created"
    prospect = Prospect.objects.get(pk=result.id)
    assert prospect.first_name == "Ana"
    assert ExternalLink.objects.get(integration=sender, external_id="P1").prospect == prospect
    assert Change.objects.get().event_type == "prospect.created"
    rows = OutboxRow.objects.order_by("integration_id")
    assert [row.integration_id for row in rows] == sorted([receiver.pk, other.pk])


def test_sender_never_receives_its_own_change(sender, receiver):
    records_ingest(integration=sender, kind="prospect", records=[ana()])
    assert not OutboxRow.objects.filter(integration=sender).exists()


def test_unchanged_data_writes_nothing(sender, receiver):
    records_ingest(integration=sender, kind="prospect", records=[ana()])
    [again] = records_ingest(integration=sender, kind="prospect", records=[ana()])
    assert again.status == "unchanged"
    assert Change.objects.count() == 1
    assert OutboxRow.objects.count() == 1


def test_update_changes_only_given_fields_and_fans_out(sender, receiver):
    records_ingest(integration=sender, kind="prospect", records=[ana(email="a@x.com")])
    [result] = records_ingest(
        integration=sender, kind="prospect", records=[{"external_id": "P1", "notes": "call"}]
    )
    assert result.status == "updated"
    prospect = Prospect.objects.get()
    assert (prospect.email, prospect.notes, prospect.version) == ("a@x.com", "call", 2)
    assert OutboxRow.objects.filter(event_type="prospect.updated").count() == 1


def test_older_update_is_recorded_and_ignored(sender, receiver):
    records_ingest(integration=sender, kind="prospect", records=[ana(updated_at=T0)])
    older = ana(first_name="Old", updated_at=T0 - dt.timedelta(minutes=1))
    [result] = records_ingest(integration=sender, kind="prospect", records=[older])
    assert (result.status, result.ignored) == ("unchanged", True)
    assert Prospect.objects.get().first_name == "Ana"
    assert Change.objects.filter(event_type="prospect.ignored").count() == 1
    assert OutboxRow.objects.count() == 1


def test_newer_update_from_another_side_wins(sender, receiver):
    records_ingest(integration=sender, kind="prospect", records=[ana(updated_at=T0)])
    receiver.direction = "both"
    receiver.save()
    prospect = Prospect.objects.get()
    newer = {"external_id": "C9", "connector_id": str(prospect.pk), "first_name": "Anna"}
    [result] = records_ingest(
        integration=receiver,
        kind="prospect",
        records=[{**newer, "updated_at": T0 + dt.timedelta(seconds=1)}],
    )
    assert result.status == "updated"
    prospect.refresh_from_db()
    assert prospect.first_name == "Anna"
    assert OutboxRow.objects.filter(integration=sender).count() == 1


def test_connector_id_of_another_client_is_an_error(sender, receiver):
    stranger = IntegrationFactory()
    [theirs] = records_ingest(integration=stranger, kind="prospect", records=[ana()])
    [result] = records_ingest(
        integration=sender, kind="prospect", records=[ana(connector_id=str(theirs.id))]
    )
    assert result.status == "error"
    assert result.errors[0]["field"] == "connector_id"


def test_member_with_prospect_external_id_converts_it(sender, receiver):
    [prospect] = records_ingest(integration=sender, kind="prospect", records=[ana()])
    member = {"external_id": "M1", "first_name": "Ana", "last_name": "Lopez"}
    [result] = records_ingest(
        integration=sender, kind="member", records=[{**member, "prospect_external_id": "P1"}]
    )
    assert Member.objects.get(pk=result.id).prospect_id == prospect.id
    change = Change.objects.get(kind="member")
    assert change.data["converted"] is True


def test_unknown_owner_and_source_become_placeholders_for_review(sender, receiver):
    owner = {"external_id": "E42", "email": "sam@club.com", "name": "Sam Ortiz"}
    records_ingest(
        integration=sender,
        kind="prospect",
        records=[ana(staff_owner=owner, lead_source={"external_id": "LS7", "name": "Facebook"})],
    )
    staff = RemoteStaff.objects.get(integration=sender, external_id="E42")
    assert (staff.seen_in_roster, staff.first_name, staff.last_name) == (False, "Sam", "Ortiz")
    assert StaffMapping.objects.get(remote=staff).status == "unmatched"
    source = RemoteLeadSource.objects.get(integration=sender, external_id="LS7")
    assert Prospect.objects.get().lead_source == source


def test_secondary_members_reach_only_integrations_that_include_them(sender, receiver):
    taker = IntegrationFactory(
        client=sender.client, direction="receive", include_secondary_members=True
    )
    member = {"external_id": "M1", "email": "kid@x.com", "is_secondary": True}
    records_ingest(integration=sender, kind="member", records=[member])
    assert list(OutboxRow.objects.values_list("integration_id", flat=True)) == [taker.pk]


def test_feed_partners_rows_are_published_as_written_the_others_wait_to_be_sent(
    sender, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    # `receiver`: a push partner without a webhook, so it reads the feed.
    api = IntegrationFactory(client=sender.client, direction="receive", mode="api")
    hooked, unhooked = (
        IntegrationFactory(client=sender.client, direction="receive", mode="push") for _ in range(2)
    )
    for integration, active in ((hooked, True), (unhooked, False)):
        WebhookEndpoint.objects.create(
            integration=integration, url="https://hooks.example/x", secret="s", active=active
        )
    kicked = []
    monkeypatch.setattr(
        "integrations.sync.delivery.wake.delivery_enqueue",
        lambda *, integration_id: kicked.append(integration_id),
    )
    with django_capture_on_commit_callbacks(execute=True):
        records_ingest(integration=sender, kind="prospect", records=[ana()])

    state = {
        row.integration_id: (row.status, row.delivered_at is not None)
        for row in OutboxRow.objects.all()
    }
    assert state == {
        receiver.pk: ("delivered", True),
        unhooked.pk: ("delivered", True),
        api.pk: ("pending", False),
        hooked.pk: ("pending", False),
    }
    assert sorted(kicked) == sorted([api.pk, hooked.pk])  # nothing to send to the feed


def query_budget() -> int:
    # One statement per step on PostgreSQL (with the key-share locks on the batch's staff and
    # lead sources, and people matching's one look-up: 23 when both are new); SQLite splits
    # bulk inserts by its 999-parameter limit, still a fixed number for a 500-record batch.
    # Plus, for the two feed readers that take owners and lead sources and have no mapping
    # for them, the rows' check as they are written (delivery/feed_rows.py): one query for
    # both, then at most ten each (translate the owners and the sources, the owners' names,
    # the issues of the batch's owners and sources: lock, open the new ones, read them back,
    # update; the flags, the log lines in one insert), however many owners and sources the
    # batch names.
    return 23 + 1 + 2 * 10 if connection.vendor == "postgresql" else 60


def test_batch_query_count_is_constant(sender, receiver, django_assert_max_num_queries):
    IntegrationFactory(client=sender.client, direction="receive")
    records = [
        {
            "external_id": f"P{i}",
            "first_name": "A",
            "last_name": str(i),
            "staff_owner": {"external_id": f"E{i % 7}"},
            "lead_source": {"name": f"Source {i % 3}"},
        }
        for i in range(500)
    ]
    if connection.vendor == "postgresql":  # the sequence's name, looked up once per process
        ids_reserve(model=Change, count=1)
    with django_assert_max_num_queries(query_budget()):
        results = records_ingest(integration=sender, kind="prospect", records=records)
    assert {r.status for r in results} == {"created"}
    assert OutboxRow.objects.count() == 1000
    changed = [{**r, "notes": "x"} for r in records]
    with django_assert_max_num_queries(query_budget()):
        results = records_ingest(integration=sender, kind="prospect", records=changed)
    assert {r.status for r in results} == {"updated"}


@pytest.mark.django_db(transaction=True)
def test_outbox_rows_carry_the_writer_txid_on_postgresql(sender, receiver):
    records_ingest(integration=sender, kind="prospect", records=[ana()])
    txid = OutboxRow.objects.get().txid
    if connection.vendor == "postgresql":
        assert txid and txid > 0
    else:
        assert txid is None
