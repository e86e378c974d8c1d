"""Fixtures of the mapping tests: a client with a primary and a second integration."""

from __future__ import annotations

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
