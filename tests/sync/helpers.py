"""Building outbox rows the way ingest does, for tests that start at delivery."""

from __future__ import annotations

from integrations.models import Change, ExternalLink, Integration, OutboxRow, Prospect


def prospect_row(
    *, destination: Integration, prospect: Prospect | None = None, **fields
) -> OutboxRow:
    """A prospect (new unless given) and one outbox row for `destination`."""
    if prospect is None:
        fields.setdefault("first_name", "Ana")
        fields.setdefault("last_name", "Lopez")
        prospect = Prospect.objects.create(client_id=destination.client_id, **fields)
    change = Change.objects.create(
        client_id=destination.client_id,
        kind="prospect",
        record_id=prospect.pk,
        event_type="prospect.created",
        data={"fields": {"first_name": prospect.first_name}},
    )
    return OutboxRow.objects.create(
        integration=destination,
        change=change,
        kind="prospect",
        record_id=prospect.pk,
        event_type=change.event_type,
    )


def simple_events(*, integration, rows, owners=None, sources=None):
    """Stand-in for translate.events_render in unit tests: record fields, given owner ids."""
    owners, sources = owners or {}, sources or {}
    events = []
    for row in rows:
        record = Prospect.objects.get(pk=row.record_id)
        events.append(
            {
                "id": f"evt_{row.id}",
                "type": row.event_type,
                "data": {
                    "id": str(record.pk),
                    "external_id": ExternalLink.objects.filter(
                        integration=integration, prospect=record
                    ).values_list("external_id", flat=True).first(),
                    "first_name": record.first_name,
                    "last_name": record.last_name,
                    "staff_owner": {"external_id": owners.get(record.staff_owner_id)},
                    "lead_source": {"external_id": sources.get(record.lead_source_id),
                                    "name": getattr(record.lead_source, "name", "")},
                },
            }
        )
    return events
