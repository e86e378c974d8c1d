"""The destination's view of outbox rows: the partner-API event JSON, in its own ids."""

from __future__ import annotations

from integrations.models import Integration, OutboxRow


def events_for_rows(*, integration: Integration, rows: list[OutboxRow]) -> dict[int, dict]:
    """Each row's event, rendered at send time so later mapping fixes are used (design.md 3)."""
    from integrations.sync.feed import events_render

    events = events_render(integration=integration, rows=rows)
    return {row.id: event for row, event in zip(rows, events, strict=True)}
