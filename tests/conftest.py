"""Fixtures every test can use."""

from __future__ import annotations

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
