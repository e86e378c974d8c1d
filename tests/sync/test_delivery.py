"""Delivery to an `api` platform: create then update, retries, failures, rate limits, policy.

The platform here is an in-memory adapter (tests/sync/fakes.py), so each case controls the
answers exactly; translation and mappings are the real ones. test_end_to_end.py runs the same
code against the sandbox platform over HTTP.
"""

from __future__ import annotations

import pytest

from integrations.adapters.base import AdapterError
from integrations.models import ExternalLink, LogEntry, OutboxRow, Prospect, SyncRun
from integrations.sync.delivery.deliver import deliver_integration
from tests.factories import RemoteLeadSourceFactory, RemoteStaffFactory
from tests.sync.helpers import prospect_row, same_lead_source, same_person


@pytest.fixture
def events():
    """The real renderer (feed.events_render) and mappings: nothing to fake."""


def deliver(destination) -> dict:
    return deliver_integration(integration_id=destination.pk, budget_seconds=5)


def test_first_row_creates_the_record_and_later_rows_update_it(destination, platform, events):
    row = prospect_row(destination=destination)
    prospect = Prospect.objects.get(pk=row.record_id)
    prospect_row(destination=destination, prospect=prospect)

    counts = deliver(destination)

    assert counts["delivered"] == 2
    assert [call[0] for call in platform.calls] == ["create", "update"]
    link = ExternalLink.objects.get(integration=destination, prospect=prospect)
    assert platform.records[link.external_id]["first_name"] == "Ana"
    assert set(OutboxRow.objects.values_list("status", flat=True)) == {"delivered"}
    assert not SyncRun.objects.exists()  # ordinary small passes are not logged as runs


def test_temporary_failure_is_retried_later_with_the_same_idempotency_key(
    destination, platform, events
):
    row = prospect_row(destination=destination)
    platform.faults.append(AdapterError("The platform answered 503", status=503))

    assert deliver(destination)["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "The platform answered 503")
    assert row.next_attempt_at is not None

    OutboxRow.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert deliver(destination)["delivered"] == 1
    assert len(platform.records) == 1


def test_a_create_whose_answer_was_lost_is_not_made_twice(destination, platform, events):
    row = prospect_row(destination=destination)
    original = platform.create_record

    def create_then_time_out(kind, fields, *, idempotency_key):
        original(kind, fields, idempotency_key=idempotency_key)
        raise AdapterError("Read timed out")

    platform.create_record = create_then_time_out
    deliver(destination)
    platform.create_record = original
    OutboxRow.objects.filter(pk=row.pk).update(next_attempt_at=None)

    deliver(destination)

    assert len(platform.records) == 1
    assert ExternalLink.objects.get(integration=destination).external_id == "F1"


def test_a_permanent_error_fails_at_once_visibly_and_the_others_go_on(
    destination, platform, events
):
    bad = prospect_row(destination=destination)
    good = prospect_row(destination=destination)
    platform.faults.append(AdapterError("email: not a valid address", status=422, permanent=True))

    counts = deliver(destination)

    assert (counts["failed"], counts["delivered"]) == (1, 1)
    bad.refresh_from_db()
    assert (bad.status, bad.last_error) == ("failed", "email: not a valid address")
    assert OutboxRow.objects.get(pk=good.pk).status == "delivered"
    entry = LogEntry.objects.get(level="error")
    assert "email: not a valid address" in entry.summary
    assert entry.record_id == bad.record_id
    run = SyncRun.objects.get(kind="deliver")
    assert (run.status, run.counts) == ("failed", {"failed": 1, "delivered": 1})


def test_a_delivery_that_keeps_failing_ends_failed(destination, platform, events, settings):
    settings.CONNECTOR_DELIVERY_MAX_ATTEMPTS = 3
    settings.CONNECTOR_RETRY_QUICK_BASE_SECONDS = 5  # one try per pass, however slow the pass
    row = prospect_row(destination=destination)
    for _ in range(3):
        platform.faults.append(AdapterError("The platform answered 500", status=500))
        OutboxRow.objects.filter(pk=row.pk).update(next_attempt_at=None)
        deliver(destination)

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert LogEntry.objects.filter(level="error", record_id=row.record_id).count() == 1


def test_rate_limit_waits_retry_after_without_counting_an_attempt(
    destination, platform, events, settings
):
    settings.CONNECTOR_SEND_CONCURRENCY = 1  # one at a time, so the 429 stops the rest
    rows = [prospect_row(destination=destination) for _ in range(3)]
    platform.faults.append(AdapterError("Too many requests", status=429, retry_after=0.4))

    counts = deliver(destination)

    assert counts["rate_limited"] == 3
    assert platform.calls and len(platform.calls) == 1  # stopped after the 429
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", 0)
        assert row.next_attempt_at is not None


def test_hold_policy_holds_until_the_owner_is_mapped(destination, source, platform, events):
    from integrations.sync.delivery.release import staff_mapping_made

    destination.unmatched_owner = "hold"
    destination.save()
    owner = RemoteStaffFactory(integration=source, first_name="Jordan", last_name="Reyes")
    row = prospect_row(destination=destination, staff_owner=owner)
    later = prospect_row(destination=destination, prospect=Prospect.objects.get(pk=row.record_id))

    assert deliver(destination)["held"] == 1
    row.refresh_from_db()
    assert row.status == "held" and "Jordan Reyes" in row.hold_reason
    assert OutboxRow.objects.get(pk=later.pk).status == "pending"  # order kept behind it
    assert platform.calls == []

    there = RemoteStaffFactory(integration=destination, external_id="IT-7")
    same_person(owner, there)  # the mapping is made
    assert staff_mapping_made(integration_id=destination.pk, remote_staff_ids=[there.pk]) == {
        "released": 1, "owner_updates": 0}
    assert deliver(destination)["delivered"] == 2
    assert platform.calls[0][2]["staff_owner_id"] == "IT-7"


def test_send_without_owner_warns_then_sends_the_owner_when_mapped(
    destination, source, platform, events
):
    from integrations.sync.delivery.release import staff_mapping_made

    owner = RemoteStaffFactory(integration=source, first_name="Sam", last_name="Ortiz")
    row = prospect_row(destination=destination, staff_owner=owner)

    assert deliver(destination)["delivered"] == 1
    assert "staff_owner_id" not in platform.calls[0][2]
    row.refresh_from_db()
    assert row.sent_without_owner
    warning = LogEntry.objects.get(level="warning")
    assert "without an owner" in warning.summary and "Sam Ortiz" in warning.summary

    there = RemoteStaffFactory(integration=destination, external_id="IT-1")
    same_person(owner, there)
    assert staff_mapping_made(integration_id=source.pk, remote_staff_ids=[owner.pk]) == {
        "released": 0, "owner_updates": 1}
    assert deliver(destination)["delivered"] == 1
    assert platform.calls[-1][0] == "update"
    assert platform.calls[-1][2]["staff_owner_id"] == "IT-1"
    assert not OutboxRow.objects.filter(sent_without_owner=True).exists()


def test_default_staff_policy_assigns_the_default(destination, source, platform, events):
    default = RemoteStaffFactory(integration=destination, external_id="DEF")
    destination.unmatched_owner = "default_staff"
    destination.default_staff = default
    destination.save()
    prospect_row(destination=destination, staff_owner=RemoteStaffFactory(integration=source))

    deliver(destination)

    assert platform.calls[0][2]["staff_owner_id"] == "DEF"
    assert "default staff" in LogEntry.objects.get(level="warning").summary


def test_missing_lead_source_is_created_at_a_platform_that_can(destination, platform, events,
                                                                 source):
    from mappings.models import LeadSourceMapping

    destination.platform.can_create_lead_sources = True
    destination.platform.save()
    google = RemoteLeadSourceFactory(integration=source, external_id="ACLS-3", name="Google")
    first = prospect_row(destination=destination, lead_source=google)
    prospect_row(destination=destination, lead_source=google)

    deliver(destination)

    assert [c for c in platform.calls if c[0] == "create_lead_source"] == [
        ("create_lead_source", "Google")]
    created = platform.calls[1][2]["lead_source_id"]
    assert platform.lead_sources[created] == "Google"
    mapping = LeadSourceMapping.objects.get(integration=destination)
    assert (mapping.remote.external_id, mapping.status, mapping.method) == (
        created, "matched", "created")
    assert LeadSourceMapping.objects.get(remote=google).lead_source == mapping.lead_source
    assert OutboxRow.objects.get(pk=first.pk).status == "delivered"


def test_a_paused_destination_keeps_its_rows(destination, platform, events):
    row = prospect_row(destination=destination)
    destination.enabled = False
    destination.save()

    assert deliver(destination) == {}
    assert OutboxRow.objects.get(pk=row.pk).status == "pending"


def test_a_rendering_crash_is_retried_later_not_stranded(
    destination, platform, monkeypatch, settings
):
    from integrations.sync.delivery import deliver as delivery_module

    # Not due again within this delivery run, however slow the machine.
    settings.CONNECTOR_RETRY_QUICK_BASE_SECONDS = settings.CONNECTOR_RETRY_QUICK_MAX_SECONDS = 60
    row = prospect_row(destination=destination)

    def broken(**kwargs):
        raise KeyError("fields")

    monkeypatch.setattr(delivery_module, "events_for_rows", broken)
    assert deliver(destination) == {"retry": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "Internal error: KeyError")


def test_a_lead_source_without_a_mapping_follows_as_an_update_once_mapped(
    destination, source, platform, events
):
    from integrations.sync.delivery.recheck import outbox_recheck

    destination.platform.can_create_lead_sources = False  # it cannot be created there
    destination.platform.save()
    promo = RemoteLeadSourceFactory(integration=source, external_id="ACLS-5", name="Spring promo")
    row = prospect_row(destination=destination, lead_source=promo)

    deliver(destination)

    assert "lead_source_id" not in platform.calls[0][2]
    row.refresh_from_db()
    assert row.status == "delivered" and row.sent_without_lead_source
    assert "without its lead source “Spring promo”" in LogEntry.objects.get(level="warning").summary
    assert outbox_recheck()["updates"] == 0  # nothing to send yet

    # Someone creates it at the platform; the next roster and matching map it.
    same_lead_source(promo, RemoteLeadSourceFactory(integration=destination,
                                                    external_id="IT-LS-9", name="Spring promo"))
    assert outbox_recheck()["updates"] == 1

    assert deliver(destination)["delivered"] == 1
    assert platform.calls[-1][0] == "update"
    assert platform.calls[-1][2]["lead_source_id"] == "IT-LS-9"
    assert not OutboxRow.objects.filter(sent_without_lead_source=True).exists()


def test_a_platform_failing_every_call_is_down_its_rows_wait_for_a_probe(
    destination, platform, events, settings
):
    import time

    settings.CONNECTOR_OUTAGE_AFTER_FAILURES = 5
    settings.CONNECTOR_OUTAGE_QUIET_SECONDS = 0
    # Probes 0.5-1 s apart: not due in the next call, however slow the machine.
    settings.CONNECTOR_OUTAGE_PROBE_BASE_SECONDS = settings.CONNECTOR_OUTAGE_PROBE_MAX_SECONDS = 1
    rows = [prospect_row(destination=destination) for _ in range(20)]
    platform.faults.extend(AdapterError("Connection refused") for _ in range(30))

    counts = deliver(destination)

    assert counts["waiting"] == 20 and len(platform.calls) == 8  # one round of calls
    assert set(OutboxRow.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert "the platform is down" in OutboxRow.objects.get(pk=rows[0].pk).last_error
    down = LogEntry.objects.get(level="error")
    assert down.summary.endswith("is not answering: deliveries wait and go out when it is back.")
    assert deliver(destination) == {"down": 1} and len(platform.calls) == 8  # no hammering

    time.sleep(1.05)
    OutboxRow.objects.update(next_attempt_at=None)
    assert deliver(destination)["waiting"] == 8  # the probe: one round, failed
    assert len(platform.calls) == 16

    platform.faults.clear()  # back
    time.sleep(1.05)
    OutboxRow.objects.update(next_attempt_at=None)
    assert deliver(destination)["delivered"] == 20
    assert LogEntry.objects.filter(level="info", summary__contains="answers again").exists()
    assert set(OutboxRow.objects.values_list("attempts", flat=True)) == {1}
