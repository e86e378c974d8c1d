"""Fixtures every test can use."""

from __future__ import annotations

import pytest

from integrations.models import Platform


@pytest.fixture
def intouch(db) -> Platform:
    """The InTouch platform, created by the first migration."""
    return Platform.objects.get(slug="intouch")


@pytest.fixture(autouse=True)
def _kicks_forgotten():
    """Each test starts with no delivery kicks remembered (sync/kick.py spaces them out per
    process; a kick from an earlier test must not stand in for this one's)."""
    from integrations.sync import kick

    kick._kicked_at.clear()
