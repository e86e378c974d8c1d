"""Fixtures of the mapping tests: a client with a primary and a second integration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mappings.models import RemoteStaff
from tests.factories import ClientFactory, IntegrationFactory


@pytest.fixture
def club(db):
    return ClientFactory()


@pytest.fixture
def primary(club):
    return IntegrationFactory(client=club, is_primary=True)


@pytest.fixture
def other(club):
    return IntegrationFactory(client=club)


def roster(integration, *people):
    """Create remote staff: (external_id, first, last, email[, active]) tuples."""
    rows = []
    for external_id, first, last, email, *active in people:
        rows.append(
            RemoteStaff(
                integration=integration,
                external_id=external_id,
                first_name=first,
                last_name=last,
                email=email,
                active=active[0] if active else True,
            )
        )
    return RemoteStaff.objects.bulk_create(rows)


def manage(*args: str) -> subprocess.CompletedProcess:
    """Run `manage.py` in a process of its own, as a person at a shell would."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )
