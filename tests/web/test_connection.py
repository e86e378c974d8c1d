"""The connection of an `api` integration: address and token, never shown back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import AuditEntry, Integration

pytestmark = pytest.mark.django_db

SECRET = "tok_live_0123456789abcdef3f9a"


def save(web, integration, **data):
    return web.post(reverse("integration-connection", args=[integration.pk]), data)


def test_a_saved_token_is_never_shown_back(web, acme_api):
    response = save(web, acme_api, base_url="https://acme.example.com/v2", credentials=SECRET)
    assert response.status_code == 302
    page = web.get(reverse("integration-detail", args=[acme_api.pk])).content.decode()
    assert SECRET not in page
    assert "saved ●●●● 3f9a" in page
    assert "Replace the API token" in page
    assert SECRET not in str(AuditEntry.objects.values_list("old", "new"))
    stored = Integration.objects.values_list("credentials", flat=True).get(pk=acme_api.pk)
    assert stored == SECRET  # decrypted on read; the column itself is encrypted (crypto tests)


def test_an_empty_token_keeps_the_saved_one(web, acme_api):
    save(web, acme_api, base_url="https://acme.example.com/api", credentials=SECRET)
    save(web, acme_api, base_url="https://acme.example.com/v3", credentials="")
    acme_api.refresh_from_db()
    assert acme_api.credentials == SECRET and acme_api.base_url == "https://acme.example.com/v3"


@pytest.mark.parametrize("url", ["not a url", "ftp://acme.example.com", "javascript:alert(1)", ""])
def test_a_bad_address_is_refused_next_to_the_field(web, acme_api, url):
    response = save(web, acme_api, base_url=url, credentials=SECRET)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="base_url-error"' in page
    acme_api.refresh_from_db()
    assert acme_api.base_url == "https://acme.example.com/api"
    assert acme_api.credentials == ""  # nothing half-written


def test_a_push_integration_has_no_connection_to_set(web, acme):
    page = web.get(reverse("integration-detail", args=[acme.pk])).content.decode()
    assert "calls the Connector itself" in page and "Test connection" not in page
    response = save(web, acme, base_url="https://acme.example.com")
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.base_url == ""
