"""The 30-day delivery health: counted per day from the outbox, drawn as SVG with a table."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from integrations.models import Change, OutboxRow
from integrations.web.health import DayHealth, chart, delivery_counts

NOW = timezone.now()


def outbox(integration, status, at):
    change = Change.objects.create(
        client_id=integration.client_id, kind="prospect", record_id=uuid.uuid4(), event_type="x"
    )
    row = OutboxRow.objects.create(
        integration=integration,
        change=change,
        kind="prospect",
        record_id=change.record_id,
        event_type="prospect.created",
        status=status,
        delivered_at=at if status == "delivered" else None,
    )
    OutboxRow.objects.filter(pk=row.pk).update(updated_at=at)
    return row


@pytest.mark.django_db
def test_counts_delivered_and_failed_per_day(acme, other_club_integration):
    outbox(acme, "delivered", NOW)
    outbox(acme, "delivered", NOW)
    outbox(acme, "failed", NOW - dt.timedelta(days=2))
    outbox(acme, "pending", NOW)
    outbox(acme, "delivered", NOW - dt.timedelta(days=31))  # outside the window
    outbox(other_club_integration, "delivered", NOW)
    days = delivery_counts(integration_ids=[acme.pk], today=NOW.date())[acme.pk]
    assert len(days) == 30 and days[-1].day == NOW.date()
    assert (days[-1].delivered, days[-1].failed) == (2, 0)
    assert (days[-3].delivered, days[-3].failed) == (0, 1)
    assert sum(d.delivered for d in days) == 2


def test_chart_scales_bars_to_the_busiest_day():
    today = dt.date(2026, 11, 26)
    days = [DayHealth(today - dt.timedelta(days=1), 10, 0), DayHealth(today, 5, 5)]
    drawn = chart(days, width=100, height=50)
    assert drawn.peak == 10 and (drawn.delivered, drawn.failed) == (15, 5)
    first, second = drawn.bars
    assert first.delivered_height == 50 and first.failed_height == 0
    assert second.delivered_height == 25 and second.failed_y == 0
    assert first.x < second.x


def test_an_empty_month_draws_flat_bars():
    drawn = chart([DayHealth(dt.date(2026, 11, d)) for d in range(1, 31)])
    assert drawn.peak == 0 and all(b.delivered_height == 0 for b in drawn.bars)


@pytest.mark.django_db
def test_list_page_draws_the_chart_and_its_table(web, acme):
    outbox(acme, "delivered", NOW)
    outbox(acme, "failed", NOW)
    page = web.get("/integrations/").content.decode()
    assert "<svg" in page and 'aria-hidden="true"' in page
    assert "Last 30 days: 1 record delivered, 1 failed" in page
    assert "Show the numbers per day" in page and "<table" in page


@pytest.mark.django_db
def test_last_successful_sync_is_the_latest_delivery_or_fetch(web, acme):
    now = timezone.now()
    outbox(acme, "delivered", now - dt.timedelta(hours=2))
    outbox(acme, "delivered", now - dt.timedelta(days=3))
    outbox(acme, "failed", now - dt.timedelta(minutes=5))
    page = web.get("/integrations/").content.decode()
    assert "2\xa0hours ago" in page
    acme.last_success_at = now - dt.timedelta(minutes=30)
    acme.save()
    assert "30\xa0minutes ago" in web.get("/integrations/").content.decode()
