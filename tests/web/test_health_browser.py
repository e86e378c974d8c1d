"""In the browser: a manager fixes refused credentials and the leads go; support staff find
what needs a person from the support home."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from integrations.models import Issue, OutboxRow
from integrations.sandbox import SandboxServer, SandboxStore
from integrations.sync.delivery.deliver import deliver_integration
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory, UserFactory
from tests.sync.helpers import prospect_row
from tests.web.conftest import PASSWORD
from tests.web.test_browser import log_in, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # Django's live server closes the shared in-memory SQLite connection from its request
    # threads at teardown (a known quirk, harmless): not this module's behaviour.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]
NEW_TOKEN = "the-new-token-7731"


@pytest.fixture
def sandbox(settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    with SandboxServer(token=NEW_TOKEN, store=SandboxStore()) as server:
        yield server


@pytest.fixture
def refused(sandbox, settings, monkeypatch):
    """The club's CRM in `api` mode whose token the platform no longer takes, three leads
    waiting for it (delivery tasks run inline, as a worker would run them)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    settings.CONNECTOR_OUTAGE_PROBE_BASE_SECONDS = 600  # nothing probes during the test
    settings.CONNECTOR_OUTAGE_PROBE_MAX_SECONDS = 600
    club = ClientFactory(id="fitlife", name="FitLife Gyms")
    crm = IntegrationFactory(client=club, platform=PlatformFactory(slug="crm", name="ClubCRM"),
                             direction="receive", data="prospects", mode="api",
                             is_primary=True, base_url=sandbox.base_url,
                             credentials="the-old-token")
    for name in ("Maria", "Kenji", "Lena"):
        prospect_row(destination=crm, first_name=name, last_name="Test")
    deliver_integration(integration_id=crm.pk, budget_seconds=5)
    assert Issue.objects.get().kind == "credentials_refused"
    return crm


def test_the_manager_fixes_refused_credentials_and_the_waiting_leads_are_sent(
    browser_page, live_server, refused, sandbox
):
    manager = UserFactory(email="manager@fitlife.example", client=refused.client)
    page = browser_page
    log_in(page, live_server, manager.email)

    card = page.locator("section.integration")
    assert card.locator(".badge").inner_text() == "Failing"
    issue = page.get_by_role("link", name=re.compile(r"ClubCRM refuses the credentials since"))
    assert "3 records waiting" in issue.inner_text()
    shot(page, "fix-1-issue")

    page.locator(".issues").get_by_role("link", name="Fix it").click()
    page.get_by_label("Replace the API token (leave empty to keep it)").fill(NEW_TOKEN)
    page.get_by_role("button", name="Test connection").click()
    assert page.locator("#connection-result").inner_text().strip() == "✔ Connected"
    refused.refresh_from_db()
    assert refused.credentials == "the-old-token"  # tested, not saved: the sync is untouched
    assert OutboxRow.objects.filter(status="pending").count() == 3
    shot(page, "fix-2-tested")

    page.get_by_role("button", name="Save connection").click()
    page.get_by_role("status").get_by_text("Saved the platform's address").wait_for()

    assert len(sandbox.store.all_records("prospect")) == 3
    assert set(OutboxRow.objects.values_list("status", flat=True)) == {"delivered"}
    assert Issue.objects.get().status == "resolved"
    page.goto(f"{live_server.url}/integrations/")
    assert page.locator("section.integration .badge").inner_text() == "In sync"
    assert page.get_by_text("Needs your attention").count() == 0
    page.get_by_role("link", name="Connector log").first.click()
    assert page.get_by_text("ClubCRM accepts the credentials again").is_visible()
    shot(page, "fix-3-resolved")


def test_support_staff_find_what_needs_a_person_from_the_home(browser_page, live_server, db):
    club = ClientFactory(id="fitlife", name="FitLife Gyms")
    crm = IntegrationFactory(client=club, platform=PlatformFactory(slug="crm", name="ClubCRM"))
    failed = prospect_row(destination=crm, first_name="Ines", last_name="Moreau")
    OutboxRow.objects.filter(pk=failed.pk).update(status="failed", updated_at=timezone.now(),
                                                  last_error="refused (422): phone")
    UserFactory(email="support@connector.example", is_staff=True, is_superuser=True)

    page = browser_page
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email").fill("support@connector.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    home = page.locator("#support-home")
    home.get_by_role("heading", name="What needs a person").wait_for()
    row = home.get_by_role("row", name=re.compile("Failed deliveries"))
    assert row.inner_text().split()[-1] == "1"
    assert home.get_by_role("link", name="FitLife Gyms").is_visible()
    shot(page, "support-home")

    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"status__exact=failed"))
    assert page.get_by_role("link", name="Ines Moreau").is_visible()
    assert page.get_by_text("refused (422): phone").is_visible()
