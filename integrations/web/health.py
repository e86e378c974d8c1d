"""Delivery health per day, and the bar chart drawn from it (server-side SVG, no script)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, Max, Q, When
from django.db.models.functions import TruncDate

from integrations.models import OutboxRow, ReceivedTally
from integrations.models.sync import OutboxStatus

DAYS = 30
CHART_WIDTH = 300
CHART_HEIGHT = 80
BAR_GAP = 2


@dataclass(frozen=True)
class DayHealth:
    day: dt.date
    delivered: int = 0
    failed: int = 0
    last_delivered_at: dt.datetime | None = None


@dataclass(frozen=True)
class Bar:
    day: DayHealth
    x: float
    width: float
    delivered_y: float
    delivered_height: float
    failed_y: float
    failed_height: float


@dataclass(frozen=True)
class Chart:
    days: list[DayHealth]
    bars: list[Bar]
    width: int
    height: int
    peak: int
    delivered: int
    failed: int

    @property
    def middle(self) -> DayHealth | None:
        """The day under the middle of the date axis."""
        return self.days[len(self.days) // 2] if self.days else None


def _window(today: dt.date, days: int) -> list[dt.date]:
    return [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def delivery_counts(
    *, integration_ids: Iterable[int], today: dt.date, days: int = DAYS,
    zone: dt.tzinfo = dt.UTC,
) -> dict[int, list[DayHealth]]:
    """Records delivered and failed per integration and day (the club's days, in `zone`),
    oldest day first (one query)."""
    ids = list(integration_ids)
    start = dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time(), tzinfo=zone)
    rows = (
        OutboxRow.objects.filter(integration_id__in=ids)
        .filter(
            Q(status=OutboxStatus.DELIVERED, delivered_at__gte=start)
            | Q(status=OutboxStatus.FAILED, updated_at__gte=start)
        )
        .annotate(
            at=Case(
                When(status=OutboxStatus.DELIVERED, then=F("delivered_at")),
                default=F("updated_at"),
            )
        )
        .annotate(day=TruncDate("at", tzinfo=zone))
        .values_list("integration_id", "day", "status")
        .annotate(n=Count("id"), last=Max("at"))
        .order_by()
    )
    counts: dict[int, dict[dt.date, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for integration_id, day, status, n, last in rows:
        counts[integration_id][day][status] = n
        if status == OutboxStatus.DELIVERED:
            counts[integration_id][day]["last"] = last
    return {
        pk: [
            DayHealth(
                day=day,
                delivered=counts[pk][day].get(OutboxStatus.DELIVERED, 0),
                failed=counts[pk][day].get(OutboxStatus.FAILED, 0),
                last_delivered_at=counts[pk][day].get("last"),
            )
            for day in _window(today, days)
        ]
        for pk in ids
    }


def received_counts(
    *, integration_ids: Iterable[int], today: dt.date, days: int = DAYS
) -> dict[int, list[DayHealth]]:
    """Records each platform sent per day (UTC days, ReceivedTally), as a chart's days, with
    `last_delivered_at` the last time one came (one query)."""
    ids = list(integration_ids)
    counts: dict[int, dict[dt.date, tuple[int, dt.datetime]]] = defaultdict(dict)
    for integration_id, day, n, last in ReceivedTally.objects.filter(
        integration_id__in=ids, day__gte=today - dt.timedelta(days=days - 1)
    ).values_list("integration_id", "day", "records", "last_at"):
        counts[integration_id][day] = (n, last)
    return {
        pk: [
            DayHealth(day=day, delivered=counts[pk].get(day, (0, None))[0],
                      last_delivered_at=counts[pk].get(day, (0, None))[1])
            for day in _window(today, days)
        ]
        for pk in ids
    }


def last_delivered_at(days: list[DayHealth]) -> dt.datetime | None:
    return max((d.last_delivered_at for d in days if d.last_delivered_at), default=None)


def chart(days: list[DayHealth], *, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> Chart:
    """Stacked bars (delivered below, failed on top), scaled to the busiest day."""
    peak = max((d.delivered + d.failed for d in days), default=0)
    slot = width / max(len(days), 1)
    scale = height / peak if peak else 0
    bars = []
    for index, day in enumerate(days):
        delivered_h = day.delivered * scale
        failed_h = day.failed * scale
        bars.append(
            Bar(
                day=day,
                x=round(index * slot + BAR_GAP / 2, 2),
                width=round(max(slot - BAR_GAP, 1), 2),
                delivered_y=round(height - delivered_h, 2),
                delivered_height=round(delivered_h, 2),
                failed_y=round(height - delivered_h - failed_h, 2),
                failed_height=round(failed_h, 2),
            )
        )
    return Chart(
        days=days,
        bars=bars,
        width=width,
        height=height,
        peak=peak,
        delivered=sum(d.delivered for d in days),
        failed=sum(d.failed for d in days),
    )
