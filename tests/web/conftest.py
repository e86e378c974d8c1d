"""Fixtures for the client pages: two clubs, each with InTouch and Acme, and their users."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.models import Integration
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"browser test skipped: {CHROMIUM} is not installed (apt-get install chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def club(db):
    return ClientFactory(id="fitlife", name="FitLife Gyms")


@pytest.fixture
def acme_platform(db):
    return PlatformFactory(slug="acme", name="Acme")


@pytest.fixture
def intouch_integration(club, intouch) -> Integration:
    return IntegrationFactory(
        client=club, platform=intouch, is_primary=True, direction="both", data="both"
    )


@pytest.fixture
def acme(club, acme_platform, intouch_integration) -> Integration:
    return IntegrationFactory(
        client=club,
        platform=acme_platform,
        direction="receive",
        data="prospects",
        staff_owner=True,
        lead_source=False,
    )


@pytest.fixture
def acme_api(acme) -> Integration:
    acme.mode = "api"
    acme.base_url = "https://acme.example.com/api"
    acme.save()
    return acme


@pytest.fixture
def manager(club):
    return UserFactory(email="manager@fitlife.example", client=club)


@pytest.fixture
def other_club_integration(db, acme_platform) -> Integration:
    return IntegrationFactory(
        client=ClientFactory(id="rival", name="Rival Gym"), platform=acme_platform
    )


@pytest.fixture
def web(client, manager):
    """A test client signed in as the club's manager."""
    client.force_login(manager)
    return client
