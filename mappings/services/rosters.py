"""Rosters: an integration's remote staff and lead sources, written set-based.

`staff_roster_replace(*, integration, staff) -> dict[str, int]` and
`lead_source_roster_replace(*, integration, lead_sources) -> dict[str, int]`: the partner's
(or platform's) full list. Upserts in bulk, marks the missing ones inactive (never deletes),
gives every new remote record an unmatched mapping row, then queues re-matching. (The owner
and source a record names are resolved by ingest: `integrations.sync.inbound.references`.)
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from integrations.models import Integration
from mappings.models import RemoteLeadSource, RemoteStaff
from mappings.services.rematch import rematch_queue

STAFF_FIELDS = ("first_name", "last_name", "email", "active")
LEAD_SOURCE_FIELDS = ("name", "active")


def remote_mappings_ensure(
    remote_model: Any, *, integration: Integration, external_ids: list[str]
) -> None:
    """An unmatched mapping row for each of these remote staff / lead sources that has none
    (roster upserts, and the placeholders ingest makes for references it does not know)."""
    mapping_model = remote_model.mapping.related.related_model
    remote_ids = remote_model.objects.filter(
        integration=integration, external_id__in=external_ids, mapping__isnull=True
    ).values_list("id", flat=True)
    mapping_model.objects.bulk_create(
        [mapping_model(remote_id=rid, integration=integration) for rid in remote_ids],
        ignore_conflicts=True,
    )


def _replace(
    *, model: Any, integration: Integration, items: list[dict], fields: tuple[str, ...]
) -> tuple[dict[str, int], list[str]]:
    existing = {row.external_id: row for row in model.objects.filter(integration=integration)}
    created: list[Any] = []
    changed: list[Any] = []
    listed: set[str] = set()
    for item in items:
        listed.add(item["external_id"])
        values = {name: item.get(name, True if name == "active" else "") for name in fields}
        row = existing.get(item["external_id"])
        if row is None:
            created.append(
                model(integration=integration, external_id=item["external_id"], **values)
            )
        elif not row.seen_in_roster or any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.seen_in_roster = True
            changed.append(row)
    model.objects.bulk_create(created, batch_size=2000)
    model.objects.bulk_update(changed, [*fields, "seen_in_roster", "updated_at"], batch_size=2000)
    gone = [row.pk for ext, row in existing.items() if ext not in listed and row.active]
    if gone:
        model.objects.filter(pk__in=gone).update(active=False)
    counts = {
        "received": len(items),
        "created": len(created),
        "updated": len(changed),
        "unchanged": len(items) - len(created) - len(changed),
        "deactivated": len(gone),
    }
    return counts, [row.external_id for row in created]


@transaction.atomic
def staff_roster_replace(*, integration: Integration, staff: list[dict]) -> dict[str, int]:
    """Replace the integration's staff list; returns counts (received, created, ...)."""
    counts, new_ids = _replace(
        model=RemoteStaff, integration=integration, items=staff, fields=STAFF_FIELDS
    )
    remote_mappings_ensure(RemoteStaff, integration=integration, external_ids=new_ids)
    if counts["created"] or counts["updated"] or counts["deactivated"]:
        rematch_queue(integration_id=integration.pk)
    return counts


@transaction.atomic
def lead_source_roster_replace(
    *, integration: Integration, lead_sources: list[dict]
) -> dict[str, int]:
    """Replace the integration's lead-source list; returns counts (received, created, ...)."""
    counts, new_ids = _replace(
        model=RemoteLeadSource,
        integration=integration,
        items=lead_sources,
        fields=LEAD_SOURCE_FIELDS,
    )
    remote_mappings_ensure(RemoteLeadSource, integration=integration, external_ids=new_ids)
    if counts["created"] or counts["updated"] or counts["deactivated"]:
        rematch_queue(integration_id=integration.pk)
    return counts
