"""Outbox rows as the partner-facing event: the same JSON on the feed, in webhooks and, as its
`data`, in the calls to `api` platforms; in the destination's own terms, rendered when the row
is read or sent (design.md step 3), so a mapping fixed later serves everything not yet sent.
"""

from __future__ import annotations

import uuid
from typing import Any

from integrations.models import Change, Integration, OutboxRow
from integrations.records.translate import (
    RecordTranslation,
    TranslateItem,
    owner_apply_policy,
    records_translate,
)
from integrations.sync.inbound.routing import conversion_visible


def event_id(row: OutboxRow) -> str:
    return f"evt_{row.pk}"


def events_render(*, integration: Integration, rows: list[OutboxRow]) -> list[dict]:
    """The partner-facing JSON of each row, in `integration`'s terms, in order."""
    changes = _changes(rows)
    items = [_item(row, changes[row.change_id]) for row in rows]
    translations = {
        kind: {
            t.record_id: t
            for t in records_translate(
                integration=integration,
                kind=kind,
                items=[item for row, item in zip(rows, items, strict=True) if row.kind == kind],
            )
        }
        for kind in {row.kind for row in rows}
    }
    return [
        _event(integration, row, changes[row.change_id], translations[row.kind][row.record_id])
        for row in rows
    ]


def _changes(rows: list[OutboxRow]) -> dict[int, Change]:
    loaded = {row.change_id: row.change for row in rows if "change" in row._state.fields_cache}
    missing = {row.change_id for row in rows} - set(loaded)
    if missing:
        loaded.update(Change.objects.in_bulk(missing))
    return loaded


def _item(row: OutboxRow, change: Change) -> TranslateItem:
    prospect_id = change.data.get("prospect_id")
    return TranslateItem(
        record_id=row.record_id,
        staff_owner_id=change.data.get("staff_owner_id"),
        lead_source_id=change.data.get("lead_source_id"),
        prospect_id=uuid.UUID(prospect_id) if prospect_id else None,
    )


def _event(
    integration: Integration, row: OutboxRow, change: Change, t: RecordTranslation
) -> dict[str, Any]:
    if row.event_type.endswith(".erased"):
        return _erased_event(integration, row, change)
    data: dict = {"id": str(row.record_id), "external_id": t.external_id}
    data.update(change.data.get("fields", {}))
    owner = owner_apply_policy(integration=integration, translation=t.owner)
    data["staff_owner"] = owner if integration.staff_owner else None
    data["lead_source"] = t.lead_source.lead_source if integration.lead_source else None
    if row.kind == "member":
        visible = conversion_visible(destination=integration) and change.data.get("prospect_id")
        data["prospect_id"] = change.data.get("prospect_id") if visible else None
        data["prospect_external_id"] = t.prospect_external_id if visible else None
    return {
        "id": event_id(row),
        "type": row.event_type,
        "occurred_at": change.created_at.isoformat().replace("+00:00", "Z"),
        "client_id": integration.client_id,
        "data": data,
    }


def events_for_rows(*, integration: Integration, rows: list[OutboxRow]) -> dict[int, dict]:
    """Each row's event, rendered at send time so later mapping fixes are used (design.md 3)."""
    events = events_render(integration=integration, rows=rows)
    return {row.id: event for row, event in zip(rows, events, strict=True)}


def _erased_event(integration: Integration, row: OutboxRow, change: Change) -> dict[str, Any]:
    """A person erased from the Connector (services/erasure.py): which record, in the
    destination's id (kept in the change: the links are gone), and nothing else."""
    external_ids = change.data.get("external_ids", {})
    return {
        "id": event_id(row),
        "type": row.event_type,
        "occurred_at": change.created_at.isoformat().replace("+00:00", "Z"),
        "client_id": integration.client_id,
        "data": {"id": str(row.record_id), "external_id": external_ids.get(str(integration.pk))},
    }
