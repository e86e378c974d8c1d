"""Fixtures of the sync-engine tests: short delays, and a client with two integrations."""

from __future__ import annotations

import pytest

from integrations.adapters import adapters_forget
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory
from tests.sync.fakes import FakePlatform


@pytest.fixture(autouse=True)
def fast_sync(settings):
    """Backoff in milliseconds so fault tests finish quickly; behaviour is otherwise real."""
    settings.CONNECTOR_RETRY_QUICK_BASE_SECONDS = 0.01
    settings.CONNECTOR_RETRY_QUICK_MAX_SECONDS = 0.05
    settings.CONNECTOR_RETRY_BASE_SECONDS = 0.02
    settings.CONNECTOR_RETRY_MAX_SECONDS = 0.2
    settings.CONNECTOR_OUTAGE_PROBE_BASE_SECONDS = 0.02
    settings.CONNECTOR_OUTAGE_PROBE_MAX_SECONDS = 0.2
    settings.CONNECTOR_OUTAGE_QUIET_SECONDS = 0.05
    settings.CONNECTOR_FETCH_RETRY_DELAYS = (0.01, 0.02, 0.04)
    settings.CONNECTOR_RETRY_AFTER_MAX_SECONDS = 0.5
    settings.CONNECTOR_WEBHOOK_RETRY_SCHEDULE = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    adapters_forget()
    yield
    adapters_forget()


@pytest.fixture
def platform(monkeypatch):
    """The in-memory platform (fakes.py) behind every `api` destination (modules that talk
    to a real sandbox platform define their own `platform`)."""
    fake = FakePlatform()
    monkeypatch.setattr("integrations.adapters.adapter_for", lambda integration: fake)
    return fake


@pytest.fixture
def club(db):
    return ClientFactory()


@pytest.fixture
def source(club):
    """A partner that sends prospects and members by the partner API."""
    return IntegrationFactory(
        client=club, platform=PlatformFactory(slug="acme"), direction="send", mode="push"
    )


@pytest.fixture
def destination(club, intouch):
    """InTouch in `api` mode, receiving everything, with owner and lead source."""
    return IntegrationFactory(
        client=club,
        platform=intouch,
        direction="both",
        mode="api",
        is_primary=True,
        base_url="http://127.0.0.1:9",
        credentials="token-x",
    )


@pytest.fixture
def commit(monkeypatch, django_capture_on_commit_callbacks):
    """Run a step, then what it queued for after commit (django-q2 tasks inline)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)

    def run(step, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return step(*args, **kwargs)

    return run
