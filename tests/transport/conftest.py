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
