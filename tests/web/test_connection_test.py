"""Test connection: the platform is called through its adapter; the answer is plain words."""

from __future__ import annotations

import socket
import time

import pytest
from django.db import connection
from django.urls import reverse

from integrations.models import LogEntry
from integrations.sandbox import Faults, SandboxServer

pytestmark = pytest.mark.django_db

TOKEN = "sandbox-token-0001"


@pytest.fixture
def loopback(settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True


@pytest.fixture
def sandbox(loopback):
    with SandboxServer(token=TOKEN) as server:
        yield server


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def connect(integration, base_url, token=TOKEN):
    integration.mode = "api"
    integration.base_url = base_url
    integration.credentials = token
    integration.save()


def run_test(web, integration):
    response = web.post(reverse("integration-test", args=[integration.pk]), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Traceback" not in page
    return page


def test_connected_to_the_sandbox(web, acme, sandbox):
    connect(acme, sandbox.base_url)
    page = run_test(web, acme)
    assert 'id="connection-result"' in page and "✔ Connected" in page
    entry = LogEntry.objects.get(integration_id=acme.pk)
    assert entry.level == "info" and entry.summary == "Connection test of Acme: Connected"


def test_wrong_token_is_refused_in_plain_words(web, acme, sandbox):
    connect(acme, sandbox.base_url, token="not-the-token")
    page = run_test(web, acme)
    assert "The platform refused the credentials" in page
    assert LogEntry.objects.get(integration_id=acme.pk).level == "warning"


def test_dead_address_says_connection_refused(web, acme, loopback):
    url = closed_port_url()
    connect(acme, url)
    page = run_test(web, acme)
    assert "Could not reach the platform at 127.0.0.1" in page
    assert "connection refused" in page.lower()


def test_slow_platform_times_out_in_time(web, acme, loopback, settings):
    settings.CONNECTOR_TEST_CONNECTION_TIMEOUT = 1
    with SandboxServer(token=TOKEN, faults=Faults(latency_ms=3000)) as slow:
        connect(acme, slow.base_url)
        started = time.monotonic()
        page = run_test(web, acme)
        elapsed = time.monotonic() - started
    assert "did not answer within 1 second" in page
    assert elapsed < 2.5


def test_push_integration_has_nothing_to_test(web, acme):
    page = run_test(web, acme)
    assert "calls the Connector itself" in page and "connection-result" not in page
    assert not LogEntry.objects.exists()


def test_secret_is_not_in_the_log(web, acme, sandbox):
    connect(acme, sandbox.base_url, token="very-secret-token-9999")
    run_test(web, acme)
    entry = LogEntry.objects.get(integration_id=acme.pk)
    assert "very-secret" not in entry.summary + entry.detail


def test_a_token_that_cannot_be_decrypted_breaks_no_page(web, acme, sandbox):
    connect(acme, sandbox.base_url)
    # As if the encryption key had been changed without re-encrypting.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_integration SET credentials = %s WHERE id = %s",
            ["gAAAAA-not-a-valid-token", acme.pk],
        )
    assert web.get("/integrations/").status_code == 200
    page = web.get(reverse("integration-detail", args=[acme.pk])).content.decode()
    assert "saved ●●●●" in page
    assert "cannot be read any more" in run_test(web, acme)
