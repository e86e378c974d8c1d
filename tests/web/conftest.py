"""Fixtures for the client pages: two clubs, each with InTouch and Acme, and their users."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

from integrations.models import Integration, Platform
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory, UserFactory

CHROMIUM = Path(os.environ.get("CONNECTOR_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    reason = f"browser tests skipped: {CHROMIUM} is not installed (apt-get install chromium)"
    browser_items = [item for item in items if "browser" in item.keywords]
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=reason))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if browser_items and reporter:
        reporter.write_line(f"{reason}: {len(browser_items)} tests", yellow=True)


@pytest.fixture
def intouch(db) -> Platform:
    """InTouch, as its migration creates it; made again after a transactional test's flush."""
    platform, _ = Platform.objects.get_or_create(
        slug="intouch", defaults={"name": "InTouch", "can_create_lead_sources": True}
    )
    return platform


@pytest.fixture
def club(db):
    return ClientFactory(id="fitlife", name="FitLife Gyms")


@pytest.fixture
def acme_platform(db):
    return PlatformFactory(slug="acme", name="Acme")


@pytest.fixture
def intouch_integration(club, intouch) -> Integration:
    return IntegrationFactory.create(
        client=club, platform=intouch, is_primary=True, direction="both", data="both"
    )


@pytest.fixture
def acme(club, acme_platform, intouch_integration) -> Integration:
    return IntegrationFactory.create(
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
    return IntegrationFactory.create(
        client=ClientFactory(id="rival", name="Rival Gym"), platform=acme_platform
    )


@pytest.fixture
def web(client, manager):
    """A test client signed in as the club's manager."""
    client.force_login(manager)
    return client


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium(monkeypatch):
    """Headless Debian chromium (never a downloaded browser).

    Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from
    such a thread unless told it is safe (it is: the loop is idle while the test queries).
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # Queries made while Playwright runs use the connection of the context it set
            # up, which pytest-django's teardown does not see: close it here, or it stays
            # open and PostgreSQL refuses to drop the test database at the end of the run.
            connections.close_all()


def _page(browser, **options):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def browser_page(chromium):
    context, page = _page(chromium)
    yield page
    context.close()


@pytest.fixture
def no_js_page(chromium):
    """A page with JavaScript switched off: everything but the chart's niceties must work."""
    context, page = _page(chromium, java_script_enabled=False)
    yield page
    context.close()
