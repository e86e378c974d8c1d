"""A platform's error message that echoes the person: the delivery error and the connector
log (kept a year) get its words, not the person's email or phone."""

from __future__ import annotations

import json

import pytest

from integrations.models import LogEntry, OutboxRow, WebhookEndpoint
from integrations.sync.delivery.deliver import deliver_integration
from integrations.webhooks.signing import generate_secret
from tests.factories import IntegrationFactory, PlatformFactory
from tests.sync.helpers import prospect_row
from tests.transport.localserver import LocalServer

EMAIL, PHONE = "ana.lopez@example.com", "+1 555-010-7788"
ECHO = f"A prospect with email {EMAIL} and phone {PHONE} already exists"


@pytest.fixture
def platform():
    server = LocalServer().start()
    yield server
    server.stop()


@pytest.fixture
def api_destination(destination, platform):
    destination.base_url = platform.url
    destination.save(update_fields=["base_url"])
    platform.answer(422, json.dumps({"detail": ECHO}).encode())
    return destination


@pytest.fixture
def webhook_partner(club, platform):
    partner = IntegrationFactory(client=club, platform=PlatformFactory(slug="hooked"),
                                 direction="receive", mode="push")
    WebhookEndpoint.objects.create(integration=partner, url=f"{platform.url}/hook",
                                   secret=generate_secret())
    platform.answer(400, ECHO.encode())
    return partner


@pytest.mark.parametrize("receiver", ["api_destination", "webhook_partner"])
def test_an_error_echoing_the_person_is_stored_without_their_email_or_phone(
    db, request, receiver
):
    integration = request.getfixturevalue(receiver)
    row = prospect_row(destination=integration, email=EMAIL, phone="+15550107788")

    deliver_integration(integration_id=integration.pk, budget_seconds=2)

    row.refresh_from_db()
    assert "already exists" in row.last_error and "<email>" in row.last_error
    assert "<phone>" in row.last_error
    stored = [row.last_error, *LogEntry.objects.values_list("summary", "detail")]
    assert EMAIL not in str(stored) and PHONE not in str(stored)
    assert OutboxRow.objects.filter(last_error__contains="@").count() == 0
