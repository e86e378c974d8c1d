"""Two re-matches of one integration at once (two workers took the same queued task twice).

PostgreSQL only: SQLite serializes write transactions, so the race cannot happen there.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from integrations.models import Integration
from mappings.models import (
    LeadSource,
    LeadSourceMapping,
    RemoteLeadSource,
    RemoteStaff,
    StaffMapping,
)
from mappings.services.matching_run import integration_rematch_run

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serializes write transactions."
    ),
]


def _rematch_twice_at_once(integration_id: int) -> list[str]:
    """Run two re-matches of the integration in two sessions, started together: the errors."""
    barrier = threading.Barrier(2)
    errors: list[str] = []

    def run() -> None:
        try:
            barrier.wait(10)
            integration = Integration.objects.select_related("client").get(pk=integration_id)
            integration_rematch_run(integration=integration)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_two_rematches_at_once_make_each_mapping_once(club, primary, other):
    names = [f"Source {i}" for i in range(100)]
    LeadSource.objects.bulk_create(
        LeadSource(client=club, name=name, normalized_name=name.lower()) for name in names
    )
    for round_ in range(3):  # each round brings new remote rows, with no mapping yet
        RemoteLeadSource.objects.bulk_create(
            RemoteLeadSource(integration=other, external_id=f"R{round_}-{i}", name=name)
            for i, name in enumerate(names)
        )
        RemoteStaff.objects.bulk_create(
            RemoteStaff(integration=other, external_id=f"S{round_}-{i}", first_name="Al",
                        last_name=f"Bo{i}", email=f"s{round_}-{i}@club.example")
            for i in range(100)
        )
        assert _rematch_twice_at_once(other.pk) == []
    assert LeadSourceMapping.objects.filter(integration=other).count() == 300
    assert StaffMapping.objects.filter(integration=other).count() == 300
