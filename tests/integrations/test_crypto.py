"""Secrets at rest: encrypted with the first key, readable with any, rotatable."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from integrations import crypto
from integrations.models import WebhookEndpoint
from tests.factories import IntegrationFactory


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    crypto._fernet.cache_clear()
    yield settings, old, new
    crypto._fernet.cache_clear()


def use_keys(settings, *keys: str) -> None:
    settings.CONNECTOR_ENCRYPTION_KEYS = list(keys)
    crypto._fernet.cache_clear()


def test_old_key_still_decrypts_after_rotation_and_rotate_reencrypts(keys):
    settings, old, new = keys
    use_keys(settings, old)
    token = crypto.encrypt("whsec_abc")
    use_keys(settings, new, old)
    assert crypto.decrypt(token) == "whsec_abc"
    rotated = crypto.rotate(token)
    use_keys(settings, new)
    assert crypto.decrypt(rotated) == "whsec_abc"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_webhook_secret_is_stored_encrypted(keys):
    settings, old, _ = keys
    use_keys(settings, old)
    endpoint = WebhookEndpoint.objects.create(
        integration=IntegrationFactory(), url="https://hooks.example/x", secret="whsec_topsecret"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM integrations_webhookendpoint WHERE id = %s", [endpoint.pk]
        )
        stored = cursor.fetchone()[0]
    assert "topsecret" not in stored
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "whsec_topsecret"


@pytest.mark.django_db
def test_reencrypt_secrets_lets_the_old_key_go(keys):
    from io import StringIO

    from django.core.management import call_command

    settings, old, new = keys
    use_keys(settings, old)
    integration = IntegrationFactory(mode="api", base_url="https://crm.example",
                                     credentials="token-1")
    WebhookEndpoint.objects.create(integration=IntegrationFactory(), url="https://h.example",
                                   secret="whsec_abc")
    use_keys(settings, new, old)
    out = StringIO()

    call_command("reencrypt_secrets", stdout=out)

    assert "Re-encrypted 2 secrets" in out.getvalue()
    use_keys(settings, new)
    integration.refresh_from_db()
    assert integration.credentials == "token-1"
    assert WebhookEndpoint.objects.get().secret == "whsec_abc"


@pytest.mark.django_db
def test_reencrypt_secrets_changes_nothing_when_a_key_is_missing(keys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings, old, new = keys
    use_keys(settings, old)
    IntegrationFactory(mode="api", base_url="https://crm.example", credentials="token-1")
    IntegrationFactory(mode="api", base_url="https://crm2.example", credentials="token-2")
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_integration ORDER BY id")
        before = cursor.fetchall()
    use_keys(settings, new)  # the old key forgotten too early

    with pytest.raises(CommandError, match="fits none"):
        call_command("reencrypt_secrets")

    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_integration ORDER BY id")
        assert cursor.fetchall() == before
