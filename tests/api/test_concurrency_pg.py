"""Two writers creating the same external id at once: one creates, the other updates.

PostgreSQL only (SQLite serializes write transactions, so the race cannot happen there).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from integrations.models import ExternalLink, Prospect
from integrations.sync.ingest import records_ingest

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serializes write transactions."
    ),
]


def test_the_loser_of_a_create_race_retries_and_updates(sender, receiver):
    sender.default_lead_source_name = ""
    sender.save()
    inserted, release = threading.Event(), threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = records_ingest(
                    integration=sender,
                    kind="prospect",
                    records=[{"external_id": "P1", "first_name": "A", "last_name": "One"}],
                )
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert inserted.wait(10)
    timer = threading.Timer(0.5, release.set)  # let the second writer block on the link first
    timer.start()
    [second] = records_ingest(
        integration=sender,
        kind="prospect",
        records=[{"external_id": "P1", "first_name": "A", "last_name": "Two"}],
    )
    thread.join(10)
    assert results["first"][0].status == "created"
    assert second.status == "updated"
    assert Prospect.objects.get().last_name == "Two"
    assert ExternalLink.objects.filter(integration=sender).count() == 1
