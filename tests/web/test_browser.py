"""Browser tests: a club manager in headless chromium against a live server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from integrations.models import Integration, LogEntry
from integrations.models.logs import log_write
from tests.web.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SHOTS = (
    Path(os.environ.get("CONNECTOR_SCREENSHOTS", ""))
    if os.environ.get("CONNECTOR_SCREENSHOTS")
    else None
)


def shot(page, name):
    """Screenshots for a person to look at, only when CONNECTOR_SCREENSHOTS names a folder."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/integrations/")
    assert "/login/" in page.url
    shot(page, "login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/integrations/$"))


def test_manager_logs_in_and_changes_options(browser_page, live_server, manager, acme):
    page = browser_page
    log_in(page, live_server, manager.email)
    assert page.get_by_text("InTouch → Acme: prospects with staff owner").is_visible()
    shot(page, "integrations")

    page.get_by_role("link", name="Acme", exact=True).click()
    page.get_by_label("Acme sends and receives data (two-way)", exact=False).check()
    # Members only: the prospect questions disappear (and are not sent).
    page.get_by_label("Members", exact=True).check()
    assert not page.get_by_label("Include the lead's staff owner").is_visible()
    page.get_by_label("Prospects and members").check()
    assert page.get_by_label("Include the lead's staff owner").is_visible()
    assert page.get_by_label("Default staff").is_disabled()
    page.get_by_label("Include the lead's lead source").check()
    page.get_by_label("Hold the lead until the owner is linked").check()
    shot(page, "options")
    page.get_by_role("button", name="Save options").click()
    assert page.get_by_role("status").get_by_text("Saved.").is_visible()

    acme.refresh_from_db()
    assert (acme.direction, acme.data, acme.lead_source, acme.unmatched_owner) == (
        "both",
        "both",
        True,
        "hold",
    )


def test_members_only_drops_the_prospect_extras(browser_page, live_server, manager, acme):
    page = browser_page
    log_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/integrations/{acme.pk}/")
    page.get_by_label("Members", exact=True).check()
    page.get_by_role("button", name="Save options").click()
    page.get_by_role("status").get_by_text("Saved.").wait_for()
    acme.refresh_from_db()
    assert (acme.data, acme.staff_owner) == ("members", False)


def test_manager_reads_and_filters_the_log(browser_page, live_server, manager, acme):
    log_write(client_id=acme.client_id, level="info", summary="Staff list of Acme updated")
    log_write(
        client_id=acme.client_id,
        integration_id=acme.pk,
        level="warning",
        summary="Lead Ana Lopez sent to Acme without owner: Sam Ortiz has no account there",
        detail="Link Sam Ortiz to an Acme account and the owner is sent as an update.",
    )
    page = browser_page
    log_in(page, live_server, manager.email)
    page.get_by_role("link", name="Connector log").first.click()
    assert page.get_by_text("Staff list of Acme updated").is_visible()
    shot(page, "log")
    page.get_by_label("Show").select_option("warning")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"level=warning"))
    assert page.get_by_text("Lead Ana Lopez sent to Acme without owner").is_visible()
    assert page.get_by_text("Staff list of Acme updated").count() == 0


def test_keyboard_reaches_the_options_and_saves(browser_page, live_server, manager, acme):
    page = browser_page
    log_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/integrations/{acme.pk}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_role("button", name="Save options").focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").get_by_text("Saved.").wait_for()


def test_another_clubs_integration_is_not_found(
    browser_page, live_server, manager, other_club_integration
):
    page = browser_page
    log_in(page, live_server, manager.email)
    response = page.goto(f"{live_server.url}/integrations/{other_club_integration.pk}/")
    assert response.status == 404
    assert Integration.objects.get(pk=other_club_integration.pk).direction == "both"
    assert not LogEntry.objects.exists()


def test_manager_tests_the_connection_to_the_sandbox_and_a_dead_address(
    browser_page, live_server, manager, acme_api, settings
):
    from integrations.sandbox import SandboxServer
    from tests.web.test_connection_test import closed_port_url

    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    page = browser_page
    log_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/integrations/{acme_api.pk}/")
    with SandboxServer(token="sandbox-token-0001") as sandbox:
        page.get_by_label("Platform address (base URL)").fill(sandbox.base_url)
        page.get_by_label("API token").fill("sandbox-token-0001")
        page.get_by_role("button", name="Save connection").click()
        assert page.get_by_text("saved ●●●● 0001").is_visible()
        page.get_by_role("button", name="Test connection").click()
        result = page.locator("#connection-result")
        assert result.inner_text().strip() == "✔ Connected"
        shot(page, "connection")

    page.get_by_label("Platform address (base URL)").fill(closed_port_url())
    page.get_by_role("button", name="Save connection").click()
    page.get_by_role("button", name="Test connection").click()
    text = page.locator("#connection-result").inner_text()
    assert "Could not reach the platform at 127.0.0.1" in text
    assert "connection refused" in text.lower()

    page.get_by_role("link", name="Connector log").first.click()
    assert page.get_by_text("Connection test of Acme: Connected").is_visible()
    assert page.get_by_text("Connection test of Acme: Could not reach").is_visible()


def test_pages_have_landmarks_and_labelled_fields(browser_page, live_server, manager, acme_api):
    page = browser_page
    log_in(page, live_server, manager.email)
    for path in ("/integrations/", f"/integrations/{acme_api.pk}/", "/log/"):
        page.goto(f"{live_server.url}{path}")
        assert page.get_by_role("banner").count() == 1
        assert page.get_by_role("main").count() == 1
        assert page.get_by_role("navigation", name="Main").count() == 1
        assert page.get_by_role("contentinfo").count() == 1
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select')]
                .filter(el => !el.labels || el.labels.length === 0).map(el => el.name)"""
        )
        assert unlabelled == [], path


def test_options_can_be_saved_without_javascript(no_js_page, live_server, manager, acme):
    page = no_js_page
    log_in(page, live_server, manager.email)
    page.goto(f"{live_server.url}/integrations/{acme.pk}/")
    # Without JavaScript every question stays visible, with a word on when it applies.
    assert page.get_by_text("they apply only when prospects are included").is_visible()
    page.get_by_label("Members", exact=True).check()
    page.get_by_role("button", name="Save options").click()
    # Members only with the staff owner still ticked: refused, next to the field.
    assert page.get_by_text("include prospects to use them").is_visible()
    page.get_by_label("Include the lead's staff owner").uncheck()
    page.get_by_role("button", name="Save options").click()
    assert page.get_by_role("status").get_by_text("Saved.").is_visible()
    acme.refresh_from_db()
    assert (acme.data, acme.staff_owner) == ("members", False)
