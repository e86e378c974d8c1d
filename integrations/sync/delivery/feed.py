"""The change feed (partner-api.md, "Receiving data"): a feed partner's outbox rows, in order.

    feed_page(*, integration, after: str | None, limit: int) -> tuple[list[dict], str]
        The events after a cursor, oldest first, and the next cursor. Raises CursorError
        for a cursor this feed did not hand out.

Never skipping an event: PostgreSQL hands out sequence values before commit, so rows can
become visible out of id order. Every outbox row carries its writer's transaction id
(`OutboxRow.txid`, a column default), and the feed serves rows in (txid, id) order, only
those with txid below `pg_snapshot_xmin(pg_current_snapshot())`: every transaction below
that watermark has finished, so no row can ever appear behind a cursor already handed out.
Per-record order holds because ingest locks a record before its first write (ingest.py).
The price: a transaction left open anywhere on the server holds the watermark back, so
events are delayed (never lost) until it ends; keep transactions short (no ATOMIC_REQUESTS).
On SQLite writers are serialized, so id order is commit order and the cursor is the id.
"""

from __future__ import annotations

import base64
import binascii

from django.db.models import QuerySet

from integrations.db.feed import rows_after_cursor, rows_in_index_order, watermark_now
from integrations.models import Integration, OutboxRow
from integrations.models.sync import OutboxStatus
from integrations.services.retention import feed_pruned_through
from integrations.sync.delivery.events import events_render

FEED_COLUMNS = ("id", "txid", "kind", "record_id", "event_type", "change_id", "integration_id")


class CursorError(ValueError):
    """A cursor that is not one this feed handed out."""


class CursorExpired(CursorError):
    """A cursor older than the events kept (services/retention.py): some after it are gone.
    `start_cursor` is the feed's end now, to start again from."""

    def __init__(self, start_cursor: str) -> None:
        super().__init__(
            "Events after this cursor are older than the feed keeps them and are gone: "
            "start from now (start_cursor), and fetch the records themselves if you need them."
        )
        self.start_cursor = start_cursor


def cursor_encode(txid: int | None, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"c1.{txid or 0}.{row_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return 0, 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, txid, row_id = raw.split(".")
        if tag != "c1":
            raise ValueError
        position = int(txid), int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise CursorError("Not a cursor this feed handed out.") from exc
    if min(position) < 0 or max(position) >= 2**63:
        raise CursorError("Not a cursor this feed handed out.")
    return position


def feed_queryset(*, integration: Integration, after: str | None) -> QuerySet[OutboxRow]:
    """Every row after the cursor that the feed may serve now, in feed order."""
    txid, row_id = cursor_decode(after)
    # Only what an event is made of: a page is up to 1,000 rows, and each column loaded is
    # converted 1,000 times (the delivery state's dates were half the cost of a page).
    # Held rows are never served, and a released one is published as a new row (its held
    # row superseded): a row made servable later would appear behind cursors handed out.
    rows = (
        OutboxRow.objects.filter(integration=integration)
        .exclude(status__in=(OutboxStatus.HELD, OutboxStatus.SUPERSEDED))
        .select_related("change")
        .only(*FEED_COLUMNS, "change__data", "change__created_at")
    )
    return rows_after_cursor(rows, txid=txid, row_id=row_id)


def feed_end_cursor(*, integration: Integration) -> str:
    """The cursor after the last event the feed may serve now (start from now)."""
    last = feed_queryset(integration=integration, after=None).reverse().first()
    if last is not None:
        return cursor_encode(last.txid, last.pk)
    # Nothing to serve yet: every event that becomes visible from now on is written by a
    # transaction at or above the watermark, and has an id above what was pruned.
    horizon = feed_pruned_through(integration_id=integration.pk)
    return cursor_encode(max(watermark_now() - 1, 0), horizon)


def feed_page(*, integration: Integration, after: str | None, limit: int) -> tuple[list[dict], str]:
    """Events after `after`, oldest first, and the cursor to pass next time.

    Raises CursorError for a cursor this feed did not hand out, CursorExpired for one older
    than what is kept."""
    if after and cursor_decode(after)[1] < feed_pruned_through(integration_id=integration.pk):
        raise CursorExpired(feed_end_cursor(integration=integration))
    rows = rows_in_index_order(feed_queryset(integration=integration, after=after), limit)
    if not rows:
        txid, row_id = cursor_decode(after)
        return [], cursor_encode(txid, row_id)
    return events_render(integration=integration, rows=rows), cursor_encode(
        rows[-1].txid, rows[-1].pk
    )
