"""Webhook partners get signed POSTs with a stable id; feed partners need no sending."""

from __future__ import annotations

import time

import pytest

from integrations.models import OutboxRow, WebhookEndpoint
from integrations.sync.delivery.deliver import deliver_integration, transport_of
from integrations.webhooks.signing import generate_secret
from tests.factories import IntegrationFactory, PlatformFactory
from tests.sync.helpers import prospect_row, same_lead_source, same_person
from tests.sync.receiver import WebhookReceiver


@pytest.fixture
def events():
    """The real renderer (feed.events_render): nothing to fake."""


@pytest.fixture
def partner(club):
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="hooked"),
                              direction="receive", mode="push")


def deliver_until_settled(integration, rounds=40) -> None:
    for _ in range(rounds):
        deliver_integration(integration_id=integration.pk, budget_seconds=2)
        if not OutboxRow.objects.filter(status__in=["pending", "sending"]).exists():
            return
        time.sleep(0.03)


def test_webhook_retries_keep_the_same_webhook_id_until_delivered(partner, events):
    secret = generate_secret()
    with WebhookReceiver(secret) as receiver:
        WebhookEndpoint.objects.create(integration=partner, url=receiver.url, secret=secret)
        row = prospect_row(destination=partner)
        receiver.answers.extend([500, 503])

        deliver_until_settled(partner)

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("delivered", 3)
    assert [hook_id for hook_id, _ in receiver.received] == [f"evt_{row.id}"]  # once, same id
    assert receiver.received[0][1]["data"]["first_name"] == "Ana"


def test_webhook_fails_after_the_retry_schedule(partner, events, settings):
    settings.CONNECTOR_WEBHOOK_RETRY_SCHEDULE = [0.01, 0.01]
    secret = generate_secret()
    with WebhookReceiver(secret) as receiver:
        WebhookEndpoint.objects.create(integration=partner, url=receiver.url, secret=secret)
        row = prospect_row(destination=partner)
        receiver.answers.extend([500] * 10)

        deliver_until_settled(partner)

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "500" in row.last_error


def test_feed_partner_rows_are_published_without_sending(partner):
    row = prospect_row(destination=partner)

    assert transport_of(partner) == "feed"
    assert deliver_integration(integration_id=partner.pk) == {"published": 1}
    row.refresh_from_db()
    assert row.status == "delivered" and row.delivered_at is not None


def test_a_webhook_partner_gets_a_lead_source_mapped_later_as_an_update(partner, source):
    from integrations.sync.delivery.recheck import outbox_recheck
    from tests.factories import RemoteLeadSourceFactory

    secret = generate_secret()
    promo = RemoteLeadSourceFactory(integration=source, external_id="LS-5", name="Spring promo")
    with WebhookReceiver(secret) as receiver:
        WebhookEndpoint.objects.create(integration=partner, url=receiver.url, secret=secret)
        row = prospect_row(destination=partner, lead_source=promo)
        deliver_until_settled(partner)
        assert OutboxRow.objects.get(pk=row.pk).sent_without_lead_source

        same_lead_source(promo, RemoteLeadSourceFactory(integration=partner,
                                                        external_id="HK-LS-1",
                                                        name="Spring promo"))
        assert outbox_recheck()["updates"] == 1
        deliver_until_settled(partner)

    first, update = (event for _, event in receiver.received)
    assert first["data"]["lead_source"] == {"external_id": None, "name": "Spring promo"}
    assert update["type"] == "prospect.updated"
    assert update["data"]["lead_source"] == {"external_id": "HK-LS-1", "name": "Spring promo"}


def test_a_webhook_partner_gets_an_owner_mapped_later_as_an_update_once(partner, source):
    from integrations.sync.delivery.recheck import outbox_recheck
    from integrations.sync.delivery.release import staff_mapping_made
    from tests.factories import RemoteStaffFactory

    secret = generate_secret()
    jordan = RemoteStaffFactory(integration=source, external_id="AC-14", first_name="Jordan",
                                last_name="Reyes")
    with WebhookReceiver(secret) as receiver:
        WebhookEndpoint.objects.create(integration=partner, url=receiver.url, secret=secret)
        row = prospect_row(destination=partner, staff_owner=jordan)  # send without owner
        deliver_until_settled(partner)
        assert OutboxRow.objects.get(pk=row.pk).sent_without_owner

        there = RemoteStaffFactory(integration=partner, external_id="HK-7", first_name="Jordan",
                                   last_name="Reyes")
        same_person(jordan, there)  # the mapping is made
        assert staff_mapping_made(integration_id=partner.pk, remote_staff_ids=[there.pk]) == {
            "released": 0, "owner_updates": 1}
        deliver_until_settled(partner)
        assert outbox_recheck()["updates"] == 0  # the periodic follow-up sends it no more
        deliver_until_settled(partner)

    first, update = (event for _, event in receiver.received)
    assert first["type"] == "prospect.created" and first["data"]["staff_owner"] is None
    assert update["type"] == "prospect.updated"
    assert update["data"]["staff_owner"]["external_id"] == "HK-7"
    assert not OutboxRow.objects.filter(sent_without_owner=True).exists()
