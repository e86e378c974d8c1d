"""Every place a URL the Connector will call is saved refuses the same URLs, in the same words
(one validator: `integrations.outbound.validate_saved_url`): the client pages, the support
admin's integration and webhook forms, `add_integration` and the partner API's webhook."""

from __future__ import annotations

from io import StringIO
from typing import cast

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from integrations.models import Integration, WebhookEndpoint
from integrations.services.launch import api_key_issue
from integrations.services.options import integration_connection_update
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory

pytestmark = pytest.mark.django_db

BAD_URLS = [
    "https://169.254.169.254/",
    "http://10.0.0.5:8080/",
    "https://user:pw@127.0.0.1/",
    "ftp://example.com/",
    "https://127.0.0.1/",
    "https://[::1]/",
    "https://[::ffff:10.0.0.1]/",
    "https://100.64.0.1/",
    "https://localhost/",
    "http://example.com/",
    "https://0x7f.1/",
    "javascript:alert(1)",
    "not a url",
]
SAVED = "https://saved.example/"


@pytest.fixture(autouse=True)
def _no_loopback(settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False


def client_page_words(url: str) -> str:
    """What the client pages say about `url` (integration_connection_update is their save)."""
    integration = cast(Integration, IntegrationFactory(mode="api", base_url=SAVED))
    with pytest.raises(ValidationError) as refused:
        integration_connection_update(integration=integration, acting_user=None, base_url=url)
    [words] = refused.value.message_dict["base_url"]
    return words


def admin_integration_post(admin_client, integration: Integration, base_url: str):
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    return admin_client.post(url, {
        "client": integration.client_id, "platform": integration.platform_id, "enabled": "on",
        "direction": "both", "data": "both", "unmatched_owner": "send_without_owner",
        "default_lead_source_name": "Import", "mode": "api", "base_url": base_url,
        "prospect_review": "send_as_new", "member_review": "hold",
        "fetch_interval_minutes": 5,
    })


@pytest.mark.parametrize("bad", BAD_URLS)
def test_the_admin_integration_form_refuses_it_in_the_client_pages_words(admin_client, bad):
    words = client_page_words(bad)
    integration = IntegrationFactory(
        mode="api", base_url=SAVED, staff_owner=False, lead_source=False
    )
    response = admin_integration_post(admin_client, integration, bad)
    assert response.status_code == 200
    assert escape(words) in response.content.decode()
    integration.refresh_from_db()
    assert integration.base_url == SAVED


@pytest.mark.parametrize("bad", BAD_URLS)
def test_the_admin_webhook_form_refuses_it_in_the_client_pages_words(admin_client, bad):
    words = client_page_words(bad)
    endpoint = WebhookEndpoint.objects.create(
        integration=IntegrationFactory(), url=SAVED, secret="whsec_x"
    )
    url = reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])
    response = admin_client.post(url, {"url": bad, "active": "on"})
    assert response.status_code == 200
    assert escape(words) in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == SAVED


@pytest.mark.parametrize("bad", BAD_URLS)
def test_add_integration_refuses_it_in_the_client_pages_words(bad):
    words = client_page_words(bad)
    ClientFactory(id="club-z")
    PlatformFactory(slug="zz")
    with pytest.raises(CommandError) as refused:
        call_command(
            "add_integration", "club-z", "zz", "--direction", "send", "--data", "both",
            "--mode", "api", "--base-url", bad, stdout=StringIO(),
        )
    assert words in str(refused.value)
    assert not Integration.objects.filter(client_id="club-z").exists()


@pytest.mark.parametrize("bad", BAD_URLS)
def test_the_webhook_api_refuses_it_in_the_client_pages_words(bad):
    words = client_page_words(bad)
    receiver = IntegrationFactory(direction="receive")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_issue(platform=receiver.platform)[1]}")
    response = api.put(
        f"/api/v1/clients/{receiver.client_id}/webhook", {"url": bad}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "url", "message": words}]
    assert not WebhookEndpoint.objects.exists()


def test_loopback_is_saved_where_the_setting_allows_it(admin_client, settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    integration = IntegrationFactory(
        mode="api", base_url=SAVED, staff_owner=False, lead_source=False
    )
    response = admin_integration_post(admin_client, integration, "http://127.0.0.1:8200/")
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.base_url == "http://127.0.0.1:8200/"
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False
    response = admin_integration_post(admin_client, integration, "http://127.0.0.1:8201/")
    assert response.status_code == 200
