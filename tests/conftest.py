"""Fixtures every test can use."""

from __future__ import annotations

import logging

import pytest

from integrations.models import Platform


@pytest.fixture
def intouch(db) -> Platform:
    """The InTouch platform, created by the first migration."""
    return Platform.objects.get(slug="intouch")


@pytest.fixture(autouse=True)
def _cache_emptied():
    """Each test starts with an empty cache: no delivery kick marked as queued by an earlier
    test (sync/kick.py) stands in for this one's, no throttle window carries over."""
    from django.core.cache import cache

    cache.clear()


class _SuiteLog(logging.Handler):
    """Every application log line of the run, as the code wrote it (before redaction)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")


SUITE_LOG = _SuiteLog()
APP_LOGGERS = ("integrations", "mappings", "django_q", "django.request", "connector_portal")


def pytest_configure(config):
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(SUITE_LOG)
        logger.setLevel(logging.DEBUG)


def pytest_sessionfinish(session, exitstatus):
    """No person's email in any application log line the whole suite wrote (issue 19)."""
    from integrations.logging_redact import EMAIL

    leaked = [line for line in SUITE_LOG.lines if EMAIL.search(line)]
    if leaked:
        print("\nPersonal data in the application logs:\n" + "\n".join(leaked[:20]))
        session.exitstatus = 1
