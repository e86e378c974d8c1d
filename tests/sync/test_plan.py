"""Ingest's planner, without a database: records in, creates, updates, changes and routes out."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from integrations.models import Member, Prospect
from integrations.records.shape import record_shape
from integrations.sync.inbound.plan import (
    Batch,
    batch_plan,
    default_lead_source_apply,
    duplicates_drop,
)
from integrations.sync.inbound.routing import Receiver

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
EARLIER = NOW - dt.timedelta(days=1)
WEBHOOK, FEED, FAMILY = Receiver(7, False), Receiver(8, False, reads_feed=True), Receiver(9, True)


def batch(kind="prospect", records=(), *, links=None, stored=(), linked_as=None,
          prospect_of=None, owners=None, receivers=(WEBHOOK, FEED)) -> Batch:
    shape = record_shape(kind)
    ids = (uuid.UUID(int=n) for n in itertools.count(1000))
    return Batch(
        shape=shape, integration_id=3, client_id="club", now=NOW, records=list(records),
        links=links or {}, stored={obj.pk: obj for obj in stored}, linked_as=linked_as or {},
        prospect_of=prospect_of or {}, owners=owners or {}, sources={},
        receivers=list(receivers), new_ids=ids,
        blank={"client_id": "club", "version": 1, "staff_owner_id": None,
               "lead_source_id": None, "address": {}, "is_secondary": False,
               "prospect_id": None, **shape.cleared},
    )


def stored_prospect(**values) -> Prospect:
    prospect = Prospect(id=uuid.UUID(int=1), client_id="club", first_name="Ana",
                        last_name="Lopez", version=3, source_updated_at=EARLIER, **values)
    prospect._state.adding = False
    return prospect


def test_a_new_record_is_created_linked_and_routed_to_every_receiver():
    plan = batch_plan(batch(records=[{"external_id": "P1", "first_name": "Ana"}]))
    [result] = plan.results
    assert (result.status, result.id) == ("created", uuid.UUID(int=1000))
    [row] = plan.creates
    assert (row["first_name"], row["client_id"]) == ("Ana", "club")
    assert plan.links[0]["external_id"] == "P1" and plan.links[0]["prospect_id"] == row["id"]
    [change] = plan.changes
    assert change["event_type"] == "prospect.created"
    assert change["data"]["fields"]["first_name"] == "Ana"
    [fan] = plan.fanouts
    assert (fan.changes, fan.destination_ids, fan.published_ids) == ([0], [7, 8], {8})
    assert plan.woken == {7}  # the feed reader's row is written delivered: nothing to wake


def test_the_same_values_again_plan_nothing():
    prospect = stored_prospect()
    plan = batch_plan(batch(records=[{"external_id": "P1", "first_name": "Ana"}],
                            links={"P1": prospect.pk}, stored=[prospect]))
    assert plan.results[0].status == "unchanged"
    assert (plan.creates, plan.updates, plan.changes, plan.fanouts) == ([], [], [], [])


def test_an_update_keeps_only_what_changed_and_snapshots_the_new_version():
    prospect = stored_prospect()
    plan = batch_plan(batch(
        records=[{"external_id": "P1", "first_name": "Ana", "email": "ana@example.com",
                  "updated_at": NOW}],
        links={"P1": prospect.pk}, stored=[prospect],
    ))
    assert plan.results[0].status == "updated"
    [update] = plan.updates
    assert (update.values, update.source_updated_at) == ({"email": "ana@example.com"}, NOW)
    assert plan.updated_fields == {"email"}
    [change] = plan.changes
    assert change["data"]["version"] == 4 and change["data"]["fields"]["email"] == "ana@example.com"
    assert change["source_updated_at"] == NOW
    assert prospect.email == "" and prospect.version == 3  # the writer applies it, not the plan


def test_an_older_change_is_recorded_as_ignored_and_sent_nowhere():
    prospect = stored_prospect()
    old = EARLIER - dt.timedelta(hours=1)
    plan = batch_plan(batch(records=[{"external_id": "P1", "first_name": "Bea", "updated_at": old}],
                            links={"P1": prospect.pk}, stored=[prospect]))
    [result] = plan.results
    assert (result.status, result.ignored) == ("unchanged", True)
    assert plan.changes[0]["event_type"] == "prospect.ignored"
    assert plan.updates == [] and plan.fanouts == []


def test_null_clears_a_field_to_its_empty_value():
    prospect = stored_prospect(birth_date=dt.date(1990, 4, 1), address={"city": "Lyon"})
    plan = batch_plan(batch(records=[{"external_id": "P1", "birth_date": None, "address": None}],
                            links={"P1": prospect.pk}, stored=[prospect]))
    assert plan.updates[0].values == {"birth_date": None, "address": {}}


def test_connector_id_links_an_existing_record_and_says_why_it_cannot():
    prospect = stored_prospect()
    linked = batch_plan(batch(records=[{"external_id": "X", "connector_id": prospect.pk}],
                              stored=[prospect]))
    assert linked.results[0].status == "unchanged"
    assert linked.links[0]["external_id"] == "X"
    taken = batch_plan(batch(records=[{"external_id": "X", "connector_id": prospect.pk}],
                             stored=[prospect], linked_as={prospect.pk: "OTHER"}))
    assert (taken.results[0].status, taken.results[0].code) == ("error", "conflict")
    unknown = batch_plan(batch(records=[{"external_id": "X", "connector_id": uuid.uuid4()}]))
    assert (unknown.results[0].code, unknown.results[0].errors[0]["field"]) == (
        "not_found", "connector_id")
    twice = batch_plan(batch(records=[{"external_id": "X", "connector_id": prospect.pk},
                                      {"external_id": "Y", "connector_id": prospect.pk}],
                             stored=[prospect]))
    assert [r.status for r in twice.results] == ["unchanged", "error"]


def test_a_member_converting_a_prospect_and_one_naming_an_unknown_prospect():
    prospect_id = uuid.uuid4()
    plan = batch_plan(batch("member", records=[
        {"external_id": "M1", "first_name": "Ana", "prospect_external_id": "P1"},
        {"external_id": "M2", "first_name": "Bo", "prospect_external_id": "P404"},
    ], prospect_of={"P1": prospect_id}))
    converted, unknown = plan.results
    assert converted.status == "created" and plan.creates[0]["prospect_id"] == prospect_id
    assert plan.changes[0]["data"]["converted"] is True
    assert (unknown.status, unknown.code) == ("error", "not_found")


def test_secondary_members_go_only_where_they_are_included():
    plan = batch_plan(batch("member", records=[
        {"external_id": "M1", "first_name": "Ana"},
        {"external_id": "M2", "first_name": "Kid", "is_secondary": True},
    ], receivers=(WEBHOOK, FAMILY)))
    routes = {tuple(fan.changes): fan.destination_ids for fan in plan.fanouts}
    assert routes == {(0,): [7, 9], (1,): [9]}


def test_a_member_update_that_ends_the_membership_is_a_former_member():
    member = Member(id=uuid.UUID(int=2), client_id="club", status="active", version=1)
    member._state.adding = False
    plan = batch_plan(batch("member", records=[{"external_id": "M1", "status": "cancelled"}],
                            links={"M1": member.pk}, stored=[member]))
    assert plan.changes[0]["data"]["former"] is True


def test_the_owner_and_source_come_from_what_ingest_resolved():
    plan = batch_plan(batch(records=[{"external_id": "P1", "staff_owner": {"external_id": "E"}}],
                            owners={0: 42}))
    assert plan.creates[0]["staff_owner_id"] == 42


def test_duplicates_keep_the_last_and_the_earlier_ones_are_errors():
    live, errors = duplicates_drop([{"external_id": "A"}, {"external_id": "B"},
                                    {"external_id": "A"}])
    assert live == [1, 2]
    assert errors[0].status == "error" and errors[0].errors[0]["field"] == "external_id"


@pytest.mark.parametrize(
    ("record", "links", "gets_default"),
    [
        ({"external_id": "N"}, {}, True),
        ({"external_id": "N", "lead_source": {"name": "Walk-in"}}, {}, False),
        ({"external_id": "S"}, {"S": uuid.UUID(int=1)}, False),  # stored: keeps its own
        ({"external_id": "C", "connector_id": uuid.UUID(int=1)}, {}, False),
    ],
)
def test_only_new_records_without_a_source_get_the_default_one(record, links, gets_default):
    records = [record]
    default_lead_source_apply(records, links=links, name="Import")
    assert (records[0].get("lead_source") == {"name": "Import"}) is gets_default
