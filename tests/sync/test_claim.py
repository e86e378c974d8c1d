"""Claiming: due rows only, per-record order, disjoint claims across workers, the sweeper."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from integrations.models import OutboxRow
from integrations.sync.delivery.claim import integrations_with_due_rows, outbox_claim, outbox_sweep
from tests.sync.helpers import prospect_row


def test_a_later_row_of_a_record_waits_for_the_earlier_one(destination):
    first = prospect_row(destination=destination)
    second = prospect_row(destination=destination, prospect=first_record(first))
    other = prospect_row(destination=destination)

    claimed = outbox_claim(integration_id=destination.pk, limit=10, worker="w1")

    assert claimed == [first.pk, other.pk]
    assert OutboxRow.objects.get(pk=second.pk).status == "pending"
    OutboxRow.objects.filter(pk=first.pk).update(status="delivered")
    assert outbox_claim(integration_id=destination.pk, limit=10, worker="w1") == [second.pk]


@pytest.mark.parametrize(("status", "blocks"), [("failed", True), ("held", True),
                                                ("discarded", False), ("delivered", False)])
def test_what_blocks_later_rows_of_the_record(destination, status, blocks):
    first = prospect_row(destination=destination)
    second = prospect_row(destination=destination, prospect=first_record(first))
    OutboxRow.objects.filter(pk=first.pk).update(status=status)

    claimed = outbox_claim(integration_id=destination.pk, limit=10, worker="w1")

    assert claimed == ([] if blocks else [second.pk])


def test_rows_waiting_for_their_retry_time_are_not_due(destination):
    row = prospect_row(destination=destination)
    OutboxRow.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))

    assert outbox_claim(integration_id=destination.pk, limit=10, worker="w1") == []
    assert integrations_with_due_rows() == []


def test_sweeper_requeues_rows_of_a_dead_worker_only(destination):
    dead, alive = prospect_row(destination=destination), prospect_row(destination=destination)
    outbox_claim(integration_id=destination.pk, limit=10, worker="dead")
    OutboxRow.objects.filter(pk=dead.pk).update(claimed_at=timezone.now() - timedelta(minutes=10))

    assert outbox_sweep(older_than_seconds=300) == 1

    assert OutboxRow.objects.get(pk=dead.pk).status == "pending"
    assert OutboxRow.objects.get(pk=alive.pk).status == "sending"
    assert integrations_with_due_rows() == [destination.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_claim_disjoint_rows(destination):
    if connection.vendor != "postgresql":
        pytest.skip("in-memory SQLite (shared cache) fails concurrent writers instead of waiting")
    rows = [prospect_row(destination=destination).pk for _ in range(60)]
    claims: dict[str, list[int]] = {}
    barrier = threading.Barrier(3)

    def worker(name: str) -> None:
        barrier.wait()
        got: list[int] = []
        while batch := outbox_claim(integration_id=destination.pk, limit=7, worker=name):
            got += batch
        claims[name] = got
        connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everything = [row for got in claims.values() for row in got]
    assert sorted(everything) == sorted(rows)  # each row claimed exactly once
    assert len(claims) == 3
    assert all(claims.values()), "SKIP LOCKED lets every worker take a share"


def first_record(row: OutboxRow):
    from integrations.models import Prospect

    return Prospect.objects.get(pk=row.record_id)
