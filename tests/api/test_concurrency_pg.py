"""Two writers creating the same external id at once: one creates, the other updates.

PostgreSQL only (SQLite serializes write transactions, so the race cannot happen there).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import ProtectedError

from integrations.api.services import webhook_register
from integrations.models import ExternalLink, Integration, OutboxRow, Prospect
from integrations.sync.inbound.ingest import SenderGone, records_ingest
from mappings.models import RemoteLeadSource, RemoteStaff

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serializes write transactions."
    ),
]


def _ingest_held_open(
    sender, record: dict, inserted: threading.Event, release: threading.Event, out: dict
) -> None:
    """Ingest `record` in a transaction that stays open until `release` is set."""
    try:
        with transaction.atomic():
            out["results"] = records_ingest(integration=sender, kind="prospect", records=[record])
            inserted.set()
            release.wait(10)
    finally:
        connections.close_all()


def _writer_held_open(sender, record: dict) -> tuple[threading.Thread, threading.Event, dict]:
    """Start ingesting `record` in another session and return once it has written, its
    transaction still open: (the writer, the event that lets it commit, its results)."""
    inserted, release = threading.Event(), threading.Event()
    out: dict = {}
    writer = threading.Thread(
        target=_ingest_held_open, args=(sender, record, inserted, release, out)
    )
    writer.start()
    assert inserted.wait(10)
    return writer, release, out


def _session_thread(action) -> threading.Thread:
    """`action` started in another thread, so in another database session, whose connection
    it closes when done."""

    def run():
        try:
            action()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _delete_waits_for_the_writer(delete, release: threading.Event, writer: threading.Thread):
    """Run `delete` in another session: it must block while the writer's transaction is open;
    then let the writer commit, and wait for both."""
    deleter = _session_thread(delete)
    deleter.join(0.5)
    assert deleter.is_alive(), "the delete must wait for the writer's transaction"
    release.set()
    writer.join(10)
    deleter.join(10)


def test_the_loser_of_a_create_race_retries_and_updates(sender, receiver):
    sender.default_lead_source_name = ""
    sender.save()
    record = {"external_id": "P1", "first_name": "A", "last_name": "One"}
    thread, release, results = _writer_held_open(sender, record)
    timer = threading.Timer(0.5, release.set)  # let the second writer block on the link first
    timer.start()
    [second] = records_ingest(
        integration=sender,
        kind="prospect",
        records=[{"external_id": "P1", "first_name": "A", "last_name": "Two"}],
    )
    thread.join(10)
    assert results["results"][0].status == "created"
    assert second.status == "updated"
    assert Prospect.objects.get().last_name == "Two"
    assert ExternalLink.objects.filter(integration=sender).count() == 1


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_deleting_a_receiver_waits_for_a_running_ingest_then_is_protected(sender, receiver, how):
    """No database foreign key on the outbox (models/integrity.py): the batch's key-share lock
    and the locking delete together keep a delete from orphaning the rows a writer adds."""
    record = {"external_id": "P1", "first_name": "A", "last_name": "One"}
    thread, release, out = _writer_held_open(sender, record)
    outcome = {}

    def delete():
        try:
            if how == "instance":
                Integration.objects.get(pk=receiver.pk).delete()
            else:
                Integration.objects.filter(pk=receiver.pk).delete()
            outcome["deleted"] = True
        except ProtectedError:
            outcome["protected"] = True

    _delete_waits_for_the_writer(delete, release, thread)
    assert outcome == {"protected": True}
    assert OutboxRow.objects.filter(integration_id=receiver.pk).count() == 1
    assert Integration.objects.filter(pk=receiver.pk).exists()


def test_an_ingest_after_its_integration_was_deleted_finds_no_integration(sender, receiver):
    """A writer that starts while the delete holds the row waits, then finds it gone."""
    stale = Integration.objects.get(pk=sender.pk)
    locked, release = threading.Event(), threading.Event()

    def delete():
        with transaction.atomic():
            Integration.objects.filter(pk=sender.pk).select_for_update().get()
            locked.set()
            release.wait(10)
            Integration.objects.filter(pk=sender.pk).delete()

    deleter = _session_thread(delete)
    assert locked.wait(10)
    threading.Timer(0.3, release.set).start()
    with pytest.raises(SenderGone):
        records_ingest(
            integration=stale,
            kind="prospect",
            records=[{"external_id": "P1", "first_name": "A", "last_name": "One"}],
        )
    deleter.join(10)
    assert not Prospect.objects.exists()
    assert not OutboxRow.objects.exists()


def test_deleting_a_record_while_a_writer_links_it_takes_the_new_link_too(sender, receiver):
    [created] = records_ingest(
        integration=receiver,
        kind="prospect",
        records=[{"external_id": "R1", "first_name": "A", "last_name": "One"}],
    )
    record = {"external_id": "P1", "connector_id": str(created.id)}
    writer, release, out = _writer_held_open(sender, record)
    threading.Timer(0.3, release.set).start()
    Prospect.objects.get(pk=created.id).delete()  # waits for the writer, then cascades
    writer.join(10)
    assert out["results"][0].status in ("updated", "unchanged")
    assert not Prospect.objects.exists()
    assert not ExternalLink.objects.exists()


def test_a_matching_run_does_not_wait_for_a_running_ingest(sender, receiver):
    """A matching run locks its integration to take turns with other runs (NO KEY UPDATE),
    which does not conflict with the key-share lock a running ingest batch holds on it."""
    from mappings.services.staff_run import staff_match_run

    record = {"external_id": "P1", "first_name": "A", "last_name": "One"}
    writer, release, out = _writer_held_open(sender, record)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            staff_match_run(integration=sender)  # would time out waiting under FOR UPDATE
    finally:
        release.set()
        writer.join(10)
    assert out["results"][0].status == "created"


ROSTER_REFS = [
    ("lead_source", RemoteLeadSource, {"external_id": "walkin", "name": "Walk-in"}),
    ("staff_owner", RemoteStaff, {"external_id": "s1", "email": "sam@club.example"}),
]


@pytest.mark.parametrize(("field", "model", "ref"), ROSTER_REFS)
def test_deleting_a_roster_row_waits_for_a_batch_that_refers_to_it(
    sender, receiver, field, model, ref
):
    """No database foreign key to remote staff and lead sources (models/integrity.py): the
    batch's key-share lock makes the delete wait, so its SET_NULL sees the new record."""
    row = model.objects.create(integration=sender, external_id=ref["external_id"])
    record = {"external_id": "P1", "first_name": "A", "last_name": "One", field: ref}
    writer, release, out = _writer_held_open(sender, record)
    _delete_waits_for_the_writer(model.objects.filter(pk=row.pk).delete, release, writer)
    assert out["results"][0].status == "created"
    assert not model.objects.filter(pk=row.pk).exists()
    assert getattr(Prospect.objects.get(), f"{field}_id") is None


def _in_another_session(action) -> None:
    thread = _session_thread(action)
    thread.join(10)
    assert not thread.is_alive(), "the other session was blocked"


def test_a_batch_whose_placeholder_gave_way_to_a_row_deleted_meanwhile_starts_over(
    sender, receiver, monkeypatch
):
    """The batch does not find its lead source; another session makes it and commits, so the
    batch's placeholder insert gives way to that row; the other session deletes it before the
    batch reads it back. The batch must start over, not store a record without its source."""
    from integrations.sync.inbound import references

    found, ensure = references.rows_by_key_locked, references.remote_mappings_ensure
    lookups, ensured = [], []

    def rows_found(model, **kwargs):
        rows = found(model, **kwargs)
        lookups.append(rows)
        if len(lookups) == 1:
            _in_another_session(
                lambda: RemoteLeadSource.objects.create(
                    integration=sender, external_id="walkin", name="Walk-in"
                )
            )
        return rows

    def delete_then_ensure(model, **kwargs):
        if not ensured:  # the first attempt, between its insert and its read back
            _in_another_session(RemoteLeadSource.objects.filter(external_id="walkin").delete)
        ensured.append(kwargs)
        ensure(model, **kwargs)

    monkeypatch.setattr(references, "rows_by_key_locked", rows_found)
    monkeypatch.setattr(references, "remote_mappings_ensure", delete_then_ensure)
    [result] = records_ingest(
        integration=sender,
        kind="prospect",
        records=[{"external_id": "P1", "lead_source": {"external_id": "walkin"}}],
    )
    assert result.status == "created"
    # Attempt 1: not found by id (nor by name: no query), nor read back after the insert.
    assert lookups[:3] == [[], [], []]
    assert len(ensured) == 2
    source = RemoteLeadSource.objects.get()  # attempt 2 made it, as a placeholder
    assert (source.external_id, source.seen_in_roster) == ("walkin", False)
    assert source.mapping is not None
    assert Prospect.objects.get().lead_source_id == source.pk


def test_a_lead_source_deleted_before_the_batch_reads_it_is_made_again(sender, receiver):
    """Found and locked in one query: a row deleted before that query is simply not found."""
    old = RemoteLeadSource.objects.create(integration=sender, external_id="walkin", name="W")
    _in_another_session(RemoteLeadSource.objects.filter(pk=old.pk).delete)
    [result] = records_ingest(
        integration=sender,
        kind="prospect",
        records=[{"external_id": "P1", "lead_source": {"external_id": "walkin"}}],
    )
    assert result.status == "created"
    source = RemoteLeadSource.objects.get()
    assert source.pk != old.pk and not source.seen_in_roster
    assert Prospect.objects.get().lead_source_id == source.pk


def test_a_webhook_switched_on_during_a_batch_waits_for_it_then_gets_what_follows(
    sender, receiver, settings
):
    """The held-open batch decided `receiver` reads the feed and wrote its row published; the
    webhook registration waits for that batch to commit, and the next batch sends."""
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    sender.default_lead_source_name = ""
    sender.save()
    writer, release, _ = _writer_held_open(sender, {"external_id": "P1", "last_name": "One"})
    registrar = _session_thread(
        lambda: webhook_register(integration=receiver, url="https://hooks.example/x")
    )
    registrar.join(0.5)
    assert registrar.is_alive(), "the registration must wait for the batch's transaction"
    release.set()
    writer.join(10)
    registrar.join(10)

    records_ingest(
        integration=sender, kind="prospect", records=[{"external_id": "P2", "last_name": "Two"}]
    )
    rows = OutboxRow.objects.filter(integration=receiver).order_by("id")
    assert [row.status for row in rows] == ["delivered", "pending"]
