"""Tenant isolation: every page shows the user's own club only; CSRF on every form."""

from __future__ import annotations

import pytest
from django.test import Client

from integrations.models import AuditEntry
from integrations.models.logs import log_write
from tests.factories import RemoteLeadSourceFactory, RemoteStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

INTEGRATION_PAGES = [
    "/integrations/{pk}/",
    "/integrations/{pk}/staff/",
    "/integrations/{pk}/lead-sources/",
]
INTEGRATION_POSTS = [
    "/integrations/{pk}/",
    "/integrations/{pk}/connection/",
    "/integrations/{pk}/test/",
]


@pytest.mark.parametrize("url", INTEGRATION_PAGES)
def test_another_clubs_integration_page_is_404(web, acme, other_club_integration, url):
    assert web.get(url.format(pk=other_club_integration.pk)).status_code == 404
    assert web.get(url.format(pk=acme.pk)).status_code == 200


@pytest.mark.parametrize("url", INTEGRATION_POSTS)
def test_another_clubs_integration_cannot_be_changed(web, other_club_integration, url):
    other_club_integration.mode = "api"
    other_club_integration.base_url = "https://rival.example.com"
    other_club_integration.save()
    response = web.post(
        url.format(pk=other_club_integration.pk),
        {"direction": "send", "data": "members", "base_url": "https://evil.example.com"},
    )
    assert response.status_code == 404
    other_club_integration.refresh_from_db()
    assert other_club_integration.base_url == "https://rival.example.com"
    assert other_club_integration.direction == "both"
    assert not AuditEntry.objects.filter(action__startswith="integration.").exists()


def test_list_shows_only_the_users_club(web, acme, other_club_integration):
    page = web.get("/integrations/").content.decode()
    assert "Rival Gym" not in page
    assert f"/integrations/{other_club_integration.pk}/" not in page
    assert f"/integrations/{acme.pk}/" in page


def test_log_shows_only_the_users_club(web, acme, other_club_integration):
    from integrations.sync.issues.report import Cause, issues_report

    log_write(client_id="rival", level="error", summary="Rival secret trouble")
    log_write(client_id=acme.client_id, level="error", summary="Our trouble")
    for integration in (acme, other_club_integration):
        issues_report(integration_id=integration.pk, client_id=integration.client_id,
                      seen={Cause("record_refused"): 1}, details={
                          Cause("record_refused"): f"{integration.client_id} refusal"})
    page = web.get("/log/").content.decode()
    assert "Our trouble" in page and "Rival secret trouble" not in page
    assert "fitlife refusal" in page and "rival refusal" not in page
    listed = web.get("/integrations/").content.decode()
    assert "1 problem needs attention now" in listed and "rival refusal" not in listed


def test_mappings_show_only_that_integrations_records(web, acme, other_club_integration):
    RemoteStaffFactory(integration=other_club_integration, first_name="Rival", last_name="Coach")
    RemoteLeadSourceFactory(integration=other_club_integration, name="Rival flyer")
    RemoteStaffFactory(integration=acme, first_name="Our", last_name="Coach")
    assert "Rival Coach" not in web.get(f"/integrations/{acme.pk}/staff/").content.decode()
    assert "Rival flyer" not in web.get(f"/integrations/{acme.pk}/lead-sources/").content.decode()


@pytest.mark.parametrize(
    "url", ["/integrations/", "/log/", *[u.format(pk=1) for u in INTEGRATION_PAGES]]
)
def test_support_staff_without_club_get_a_helpful_page(client, acme, url):
    client.force_login(UserFactory(client=None, is_staff=True))
    response = client.get(url)
    assert response.status_code == 403
    assert "support admin" in response.content.decode()


def test_user_without_club_is_told_to_ask_support(client, acme):
    client.force_login(UserFactory(client=None))
    response = client.get("/integrations/")
    assert "ask Connector support to link your account" in response.content.decode()


@pytest.mark.parametrize("url", INTEGRATION_POSTS)
def test_forms_refuse_a_post_without_csrf_token(manager, acme_api, url):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)
    response = browser.post(url.format(pk=acme_api.pk), {"direction": "send"})
    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/login/", "/password-reset/", "/integrations/{pk}/"])
def test_every_form_carries_a_csrf_token(web, acme_api, url):
    page = web.get(url.format(pk=acme_api.pk)).content.decode()
    assert page.count("<form") == page.count("csrfmiddlewaretoken")
