"""Fixtures every test can use."""

from __future__ import annotations

import pytest

from integrations.models import Platform


@pytest.fixture
def intouch(db) -> Platform:
    """The InTouch platform, created by the first migration."""
    return Platform.objects.get(slug="intouch")
