"""Fixtures for the partner API tests: a client, a sending partner with a key, receivers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrations.services.launch import api_key_issue
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory


@pytest.fixture(autouse=True)
def _no_rematch_tasks(monkeypatch):
    # Roster and placeholder writes queue a django-q2 re-match after commit; the mapping
    # helper's tests cover it. Here it would only need a broker.
    monkeypatch.setattr("mappings.services.rosters.rematch_queue", lambda **kw: None)


@pytest.fixture
def club(db):
    return ClientFactory(id="club-a", name="Club A")


@pytest.fixture
def sender(club):
    return IntegrationFactory(
        client=club, platform=PlatformFactory(slug="gymapp", name="GymApp"), direction="both"
    )


@pytest.fixture
def receiver(club):
    return IntegrationFactory(
        client=club,
        platform=PlatformFactory(slug="crm", name="CRM"),
        direction="receive",
        is_primary=True,
    )


@pytest.fixture
def sender_key(sender) -> str:
    return api_key_issue(platform=sender.platform)[1]


def partner_client(key: str) -> APIClient:
    """An API client that sends a partner's key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api(sender_key) -> APIClient:
    return partner_client(sender_key)


@pytest.fixture
def receiver_api(receiver) -> APIClient:
    return partner_client(api_key_issue(platform=receiver.platform)[1])
