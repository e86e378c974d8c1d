"""Fixtures every test can use."""

from __future__ import annotations

import contextlib

import pytest
from django.db import DatabaseError

from integrations import demo
from integrations.models import Platform
from tests.log_privacy import People, SuiteLog, leaks, log_file_leaks


@pytest.fixture
def intouch(db) -> Platform:
    """The InTouch platform, created by the first migration."""
    return Platform.objects.get(slug="intouch")


@pytest.fixture(autouse=True)
def _cache_emptied():
    """Each test starts with an empty cache: no delivery kick marked as queued by an earlier
    test (sync/delivery/wake.py) stands in for this one's, no throttle window carries over."""
    from django.core.cache import cache

    cache.clear()


SUITE_LOG = SuiteLog()
PEOPLE = People(accounts=[demo.SUPPORT_LOGIN[0], demo.CLIENT_LOGIN[0]])


def pytest_configure(config):
    SUITE_LOG.attach()  # after pytest-django has set Django up, and its logging with it
    for person in [*demo.PARTNER_PROSPECTS, *demo.PARTNER_MEMBERS,
                   *demo.staff_dicts(demo.INTOUCH_STAFF + demo.PARTNER_STAFF)]:
        PEOPLE.note(**person)


@pytest.fixture(autouse=True)
def _people_noted(request):
    """After each test that used the database, the people it stored (before its data goes:
    the database is set up here, so it is torn down after this)."""
    uses_db = "_django_db_helper" in request.fixturenames or request.node.get_closest_marker(
        "django_db")
    # A fuzzer's names are any strings, no one's: a generated name that is also a word the
    # code logs ("pending") would make every such log line a leak.
    uses_db = uses_db and not request.node.get_closest_marker("fuzzed_people")
    if uses_db:
        request.getfixturevalue("_django_db_helper")
    yield
    if uses_db:
        with contextlib.suppress(DatabaseError):  # a test that broke its connection on purpose
            PEOPLE.note_stored()


def pytest_sessionfinish(session, exitstatus):
    """No person in any log line the whole suite wrote, nor in the log files of the processes
    it started (issue 19; tests/log_privacy.py)."""
    found = leaks(SUITE_LOG.lines, PEOPLE, "log")
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None and factory._basetemp is not None:
        found += log_file_leaks(factory.getbasetemp(), PEOPLE)
    if found:
        print("\nPersonal data in the logs:\n" + "\n".join(found[:20]))
        session.exitstatus = 1
