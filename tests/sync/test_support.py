"""Support staff's tools: retry / discard, sync_now, the schedules."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django_q.models import OrmQ, Schedule

from integrations.models import AuditEntry, LogEntry, OutboxRow
from integrations.sync.delivery.resend import deliveries_discard, deliveries_retry
from integrations.sync.schedules import schedules_ensure
from tests.sync.helpers import prospect_row


def test_retry_puts_failed_rows_back_from_a_clean_slate(
    destination, django_capture_on_commit_callbacks
):
    rows = [prospect_row(destination=destination) for _ in range(3)]
    OutboxRow.objects.filter(pk__in=[r.pk for r in rows[:2]]).update(
        status="failed", attempts=12, last_error="boom")

    with django_capture_on_commit_callbacks(execute=True):
        count = deliveries_retry(row_ids=[r.pk for r in rows], acting_user=None)

    assert count == 2  # the pending one is left alone
    assert set(OutboxRow.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert AuditEntry.objects.filter(action="delivery_retry").count() == 2
    assert "sent again 2 deliveries" in LogEntry.objects.get().summary
    assert OrmQ.objects.count() == 1  # one delivery task for the destination


def test_discard_gives_up_and_unblocks_the_record(destination):
    row = prospect_row(destination=destination)
    OutboxRow.objects.filter(pk=row.pk).update(status="failed")
    sending = prospect_row(destination=destination)
    OutboxRow.objects.filter(pk=sending.pk).update(status="sending")

    assert deliveries_discard(row_ids=[row.pk, sending.pk]) == 1
    assert OutboxRow.objects.get(pk=row.pk).status == "discarded"
    assert OutboxRow.objects.get(pk=sending.pk).status == "sending"  # in flight: not touched


def test_sync_now_queues_a_fetch(destination, capsys):
    call_command("sync_now", destination.client_id, "intouch")

    task = OrmQ.objects.get()
    assert task.task["func"] == "integrations.tasks.fetch_integration_task"
    assert task.task["args"] == (destination.pk,)
    assert "queued" in capsys.readouterr().out


@pytest.mark.parametrize(("client_id", "slug", "words"), [
    ("nope", "intouch", "has no integration"),
    (None, "acme", "push mode"),
])
def test_sync_now_refuses_bad_input_in_one_line(destination, source, client_id, slug, words):
    with pytest.raises(CommandError, match=words):
        call_command("sync_now", client_id or destination.client_id, slug)
    assert not OrmQ.objects.exists()


def test_schedules_are_created_once(destination):
    schedules_ensure()
    schedules_ensure()

    names = set(Schedule.objects.values_list("name", flat=True))
    assert names == {"outbox-sweep", "fetch-schedules-sync", "delivery-loop",
                     "idempotency-purge", "history-prune", "issues-notify", "issues-digest",
                     f"fetch-integration-{destination.pk}"}
    fetch = Schedule.objects.get(name=f"fetch-integration-{destination.pk}")
    assert (fetch.minutes, fetch.args) == (5, f"({destination.pk},)")

    destination.enabled = False
    destination.save()
    schedules_ensure()
    assert not Schedule.objects.filter(name__startswith="fetch-integration-").exists()


def test_idempotency_purge_task_forgets_answers_older_than_a_day(db):
    import datetime as dt

    from django.utils import timezone

    from integrations.models import IdempotencyRecord, Platform
    from integrations.tasks import idempotency_purge_task

    platform = Platform.objects.get(slug="intouch")
    old = IdempotencyRecord.objects.create(platform=platform, key="old", request_fingerprint="f")
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    IdempotencyRecord.objects.create(platform=platform, key="new", request_fingerprint="f")
    assert idempotency_purge_task() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_tasks_return_quietly_when_their_integration_is_gone(db):
    from integrations.tasks import deliver_integration_task, fetch_integration_task

    assert deliver_integration_task(987654) == {}
    assert fetch_integration_task(987654) == {}


def test_sweep_task_requeues_dead_claims_and_kicks_due_destinations(destination):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.tasks import outbox_sweep_task

    stuck = prospect_row(destination=destination)
    OutboxRow.objects.filter(pk=stuck.pk).update(
        status="sending", claimed_by="dead:1", claimed_at=timezone.now() - timedelta(hours=1))

    counts = outbox_sweep_task()

    assert (counts["requeued"], counts["kicked"]) == (1, 1)
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == ("pending", 1)
    assert OrmQ.objects.get().task["func"] == "integrations.tasks.deliver_integration_task"


def test_delivery_loop_delivers_then_queues_its_next_turn(destination):
    from integrations.tasks import delivery_loop_task

    destination.mode = "push"  # a feed partner: published without any HTTP
    destination.save()
    row = prospect_row(destination=destination)

    counts = delivery_loop_task(seconds=0.3)

    assert counts["published"] == 1
    assert OutboxRow.objects.get(pk=row.pk).status == "delivered"
    assert OrmQ.objects.get().task["func"] == "integrations.tasks.delivery_loop_task"


def test_a_delivery_waits_while_a_fetch_holds_the_integration(destination):
    import threading

    from django.db import connections

    from integrations.db.locks import integration_lock
    from integrations.sync.delivery.deliver import deliver_integration

    prospect_row(destination=destination)
    held, release = threading.Event(), threading.Event()

    def fetch_like() -> None:  # another session, as a fetch on another worker would be
        with integration_lock(integration_id=destination.pk, exclusive=True, wait_seconds=5):
            held.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=fetch_like)
    thread.start()
    held.wait(10)
    try:
        assert deliver_integration(integration_id=destination.pk) == {"busy": 1}
    finally:
        release.set()
        thread.join()
    assert OutboxRow.objects.get().status == "pending"


def test_sync_now_without_arguments_is_one_line_and_non_zero():
    import os
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "manage.py", "sync_now"], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[2],
                          env={**os.environ, "DJANGO_DEBUG": "1"}, check=False)

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "CLIENT_ID PLATFORM_SLUG" in done.stderr


def test_a_broker_that_fails_after_commit_does_not_fail_the_write(
    source, destination, monkeypatch, django_capture_on_commit_callbacks
):
    """The kick is best effort (the sweep queues what it missed): the data stays stored."""
    from integrations.sync.delivery import wake as kick
    from integrations.sync.inbound.ingest import records_ingest

    def broken(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(kick, "delivery_enqueue", broken)
    with django_capture_on_commit_callbacks(execute=True):
        [result] = records_ingest(
            integration=source,
            kind="prospect",
            records=[{"external_id": "K1", "first_name": "A", "last_name": "B"}],
        )
    assert result.status == "created"
    assert OutboxRow.objects.filter(integration=destination).count() == 1


def test_a_destination_with_a_kick_still_queued_is_not_kicked_again(
    source, destination, monkeypatch, django_capture_on_commit_callbacks
):
    """Batches while a delivery task waits in the queue add no task (it will claim their rows
    too); once the task has started, the next batch queues another."""
    from integrations import tasks
    from integrations.sync.delivery import wake as kick
    from integrations.sync.inbound.ingest import records_ingest

    queued = []
    monkeypatch.setattr(kick, "delivery_enqueue", lambda **kw: queued.append(kw["integration_id"]))

    def ingest(external_id: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            records_ingest(
                integration=source, kind="prospect", records=[{"external_id": external_id}]
            )

    ingest("K1")
    ingest("K2")
    assert queued == [destination.pk]
    monkeypatch.setattr(tasks, "deliver_integration", lambda **kw: {})
    tasks.deliver_integration_task(destination.pk)  # the queued task starts
    ingest("K3")
    assert queued == [destination.pk, destination.pk]
    assert OutboxRow.objects.filter(integration=destination).count() == 3


def test_a_kick_the_broker_refused_is_tried_again_by_the_next_batch(
    source, destination, monkeypatch, django_capture_on_commit_callbacks
):
    from integrations.sync.delivery import wake as kick
    from integrations.sync.inbound.ingest import records_ingest

    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["integration_id"])
        if len(calls) == 1:
            raise ConnectionError("broker down")

    monkeypatch.setattr(kick, "delivery_enqueue", flaky)
    for external_id in ("K1", "K2"):
        with django_capture_on_commit_callbacks(execute=True):
            records_ingest(
                integration=source, kind="prospect", records=[{"external_id": external_id}]
            )
    assert calls == [destination.pk, destination.pk]
