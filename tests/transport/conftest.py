"""Fixtures for transport tests: a real local HTTP server and the loopback setting."""

from __future__ import annotations

import pytest

from tests.transport.localserver import LocalServer


@pytest.fixture
def local_server():
    server = LocalServer().start()
    yield server
    server.stop()


@pytest.fixture
def loopback_on(settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True


@pytest.fixture
def loopback_off(settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False


TOKEN = "sandbox-test-token"


@pytest.fixture
def sandbox(loopback_on):
    """A sandbox platform on a free port with a few staff and lead sources."""
    from integrations.sandbox import SandboxServer, SandboxStore

    staff = [
        {
            "id": f"S{i}",
            "first_name": f"First{i}",
            "last_name": f"Last{i}",
            "email": f"s{i}@club.example",
            "active": i != 5,
        }
        for i in range(1, 6)
    ]
    store = SandboxStore(staff=staff, lead_sources=["Walk-in", "Facebook ad"])
    server = SandboxServer(token=TOKEN, store=store, staff_page_size=2)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def adapter(sandbox):
    from integrations.adapters.base import AdapterConfig
    from integrations.adapters.rest import RestAdapter

    return RestAdapter(AdapterConfig(base_url=sandbox.base_url, token=TOKEN))
