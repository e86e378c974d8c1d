"""Two writers opening the same issues at once (PostgreSQL: SQLite serializes writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from integrations.models import Issue
from integrations.sync.issues.report import Cause, issues_report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serializes write transactions."
    ),
]


def test_two_writers_opening_the_same_new_causes_make_one_issue_each_counting_both(
    destination,
):
    causes = {Cause("owner_missing", str(i)): 1 for i in range(5)}
    opened, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():  # as inside ingest's transaction
                issues_report(integration_id=destination.pk, client_id=destination.client_id,
                              seen=causes)
                opened.set()
                release.wait(10)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=first)
    writer.start()
    assert opened.wait(10)
    second = threading.Thread(target=lambda: (
        issues_report(integration_id=destination.pk, client_id=destination.client_id,
                      seen=causes), connections.close_all()))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # it waits for the first writer's issues, it does not fail
    release.set()
    writer.join(10)
    second.join(10)

    assert errors == []
    assert Issue.objects.count() == 5
    assert set(Issue.objects.values_list("seen", flat=True)) == {2}
