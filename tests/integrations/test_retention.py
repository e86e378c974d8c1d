"""History kept only as long as promised: pruning in windows, waiting rows kept, the feed 410."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import AuditEntry, Change, DeliveryAttempt, LogEntry, OutboxRow, SyncRun
from integrations.services.launch import api_key_issue
from integrations.services.retention import history_prune
from integrations.sync.delivery.feed import cursor_encode
from integrations.sync.inbound.ingest import records_ingest
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory

NOW = timezone.now()
OLD = NOW - dt.timedelta(days=40)


@pytest.fixture(autouse=True)
def _no_rematch(monkeypatch):
    monkeypatch.setattr("integrations.sync.inbound.references.rematch_queue", lambda **kw: None)


@pytest.fixture
def sender(db):
    club = ClientFactory(id="club-r")
    return IntegrationFactory(client=club, platform=PlatformFactory(slug="cms"), direction="send")


@pytest.fixture
def reader(sender):
    return IntegrationFactory(client=sender.client, platform=PlatformFactory(slug="feedy"),
                              direction="receive")


def _ingest(sender, count: int, prefix: str, *, when: dt.datetime) -> None:
    records_ingest(integration=sender, kind="prospect",
                   records=[{"external_id": f"{prefix}{i}", "first_name": f"N{i}",
                             "last_name": "L"} for i in range(count)])
    Change.objects.filter(created_at__gte=NOW - dt.timedelta(hours=1)).update(created_at=when)
    OutboxRow.objects.filter(created_at__gte=NOW - dt.timedelta(hours=1)).update(created_at=when)


def test_old_delivered_rows_and_their_changes_go_waiting_ones_stay(sender, reader):
    _ingest(sender, 12, "old-", when=OLD)  # the feed reader's rows are written delivered
    stuck = OutboxRow.objects.order_by("id")[3]
    OutboxRow.objects.filter(pk=stuck.pk).update(status="failed")
    _ingest(sender, 5, "new-", when=NOW)

    counts = history_prune(now=NOW, window=4)  # windows smaller than the data

    assert counts["outbox"] == 11 and counts["changes"] == 11
    assert list(OutboxRow.objects.filter(created_at__lt=NOW - dt.timedelta(days=30))) == [stuck]
    assert Change.objects.filter(pk=stuck.change_id).exists()  # still referred to
    assert OutboxRow.objects.filter(created_at=NOW).count() == 5
    assert Change.objects.count() == 6
    assert history_prune(now=NOW) == {"outbox": 0, "changes": 0, "sync_runs": 0,
                                     "attempts": 0, "log": 0, "audit": 0}


def test_runs_log_lines_and_audit_rows_follow_their_own_settings(sender, settings):
    settings.CONNECTOR_LOG_RETENTION_DAYS = 10
    runs = [SyncRun.objects.create(integration=sender, kind="fetch") for _ in range(3)]
    SyncRun.objects.filter(pk=runs[0].pk).update(started_at=NOW - dt.timedelta(days=100))
    for age in (20, 5):  # oldest first, as ids grow with time
        entry = LogEntry.objects.create(client=sender.client, level="info", summary="x")
        LogEntry.objects.filter(pk=entry.pk).update(created_at=NOW - dt.timedelta(days=age))
    audit = AuditEntry.objects.create(action="a", target_type="t", target_id="1")
    AuditEntry.objects.filter(pk=audit.pk).update(created_at=NOW - dt.timedelta(days=800))
    for age in (100, 1):  # a delivery's attempts are kept as long as the runs
        DeliveryAttempt.objects.create(delivery_id=1, at=NOW - dt.timedelta(days=age),
                                       result="retry")

    counts = history_prune(now=NOW)

    assert (counts["sync_runs"], counts["log"], counts["audit"]) == (1, 1, 1)
    assert counts["attempts"] == 1 and DeliveryAttempt.objects.count() == 1
    assert SyncRun.objects.count() == 2 and LogEntry.objects.count() == 1
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)  # the feed serves committed rows only (PostgreSQL)
def test_a_feed_cursor_older_than_what_was_pruned_is_told_to_start_from_now(sender, reader):
    _ingest(sender, 3, "old-", when=OLD)
    first = OutboxRow.objects.filter(integration=reader).order_by("id").first()
    old_cursor = cursor_encode(first.txid, first.pk)
    _ingest(sender, 2, "new-", when=NOW)
    history_prune(now=NOW)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_issue(platform=reader.platform)[1]}")

    assert len(_served(api, {}, count=2)) == 2  # the kept events are visible (see _served)
    gone = api.get("/api/v1/clients/club-r/changes", {"after": old_cursor})

    assert gone.status_code == 410
    body = gone.json()
    assert body["type"] == "urn:connector:problem:cursor-expired"
    assert body["errors"][0]["field"] == "after"
    after_now = api.get("/api/v1/clients/club-r/changes", {"after": body["start_cursor"]})
    assert after_now.json()["results"] == []  # the start cursor is the feed's end
    _ingest(sender, 1, "later-", when=NOW)
    later = _served(api, {"after": body["start_cursor"]}, count=1)
    assert [e["data"]["first_name"] for e in later] == ["N0"]
    assert len(_served(api, {}, count=3)) == 3  # from the start: the kept ones


def _served(api, params: dict, *, count: int) -> list[dict]:
    """The feed's events once `count` are visible: another session's open transaction on the
    server (other databases' too) holds PostgreSQL's watermark back for a moment."""
    deadline = time.monotonic() + 15
    while True:
        results = api.get("/api/v1/clients/club-r/changes", params).json()["results"]
        if len(results) >= count or time.monotonic() > deadline:
            return results
        time.sleep(0.1)
