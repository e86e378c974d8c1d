"""Rosters: an integration's remote staff and lead sources, written set-based.

- `staff_roster_replace(*, integration, staff) -> dict[str, int]` and
  `lead_source_roster_replace(*, integration, lead_sources) -> dict[str, int]`: the partner's
  (or platform's) full list. Upserts in bulk, marks the missing ones inactive (never deletes),
  gives every new remote record an unmatched mapping row, then queues re-matching.
- `staff_refs_resolve(*, integration, refs) -> list[int | None]` and
  `lead_source_refs_resolve(...)`: the owner / source a record names, as the sender's
  RemoteStaff / RemoteLeadSource ids. Unknown ones become placeholders (`seen_in_roster=False`)
  with an unmatched mapping, so they show up for review. A constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.functions import Lower

from integrations.models import Integration
from mappings.models import LeadSourceMapping, RemoteLeadSource, RemoteStaff, StaffMapping
from mappings.services.rematch import rematch_queue

STAFF_FIELDS = ("first_name", "last_name", "email", "active")
LEAD_SOURCE_FIELDS = ("name", "active")


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first[:100], last.strip()[:100]


def _ensure_staff_mappings(*, integration: Integration, external_ids: list[str]) -> None:
    remote_ids = RemoteStaff.objects.filter(
        integration=integration, external_id__in=external_ids, mapping__isnull=True
    ).values_list("id", flat=True)
    StaffMapping.objects.bulk_create(
        [StaffMapping(remote_id=rid, integration=integration) for rid in remote_ids],
        ignore_conflicts=True,
    )


def _ensure_lead_source_mappings(*, integration: Integration, external_ids: list[str]) -> None:
    remote_ids = RemoteLeadSource.objects.filter(
        integration=integration, external_id__in=external_ids, mapping__isnull=True
    ).values_list("id", flat=True)
    LeadSourceMapping.objects.bulk_create(
        [LeadSourceMapping(remote_id=rid, integration=integration) for rid in remote_ids],
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
    _ensure_staff_mappings(integration=integration, external_ids=new_ids)
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
    _ensure_lead_source_mappings(integration=integration, external_ids=new_ids)
    if counts["created"] or counts["updated"] or counts["deactivated"]:
        rematch_queue(integration_id=integration.pk)
    return counts


def _ref_key(ref: dict, fallback_field: str) -> str:
    if ref.get("external_id"):
        return ref["external_id"]
    return f"{fallback_field}:{ref[fallback_field].lower()}"[:100]


def staff_refs_resolve(*, integration: Integration, refs: list[dict | None]) -> list[int | None]:
    """The sender's RemoteStaff id for each owner reference (placeholders for unknown ones)."""
    keys = [None if ref is None else _ref_key(ref, "email") for ref in refs]
    wanted = {key for key in keys if key}
    if not wanted:
        return [None] * len(refs)
    found = dict(
        RemoteStaff.objects.filter(integration=integration, external_id__in=wanted).values_list(
            "external_id", "id"
        )
    )
    by_email = {
        ref["email"]: key
        for ref, key in zip(refs, keys, strict=True)
        if key and key not in found and ref and not ref.get("external_id")
    }
    if by_email:
        for email, rid in (
            RemoteStaff.objects.filter(integration=integration, email__in=list(by_email))
            .order_by("active", "id")
            .values_list("email", "id")
        ):
            found[by_email[email]] = rid
    missing = {key: ref for ref, key in zip(refs, keys, strict=True) if key and key not in found}
    if missing:
        found.update(_staff_placeholders(integration=integration, missing=missing))
    return [found.get(key) if key else None for key in keys]


def _staff_placeholders(*, integration: Integration, missing: dict[str, dict]) -> dict[str, int]:
    placeholders = []
    for key, ref in missing.items():
        first, last = _split_name(ref.get("name") or "")
        placeholders.append(
            RemoteStaff(
                integration=integration,
                external_id=key,
                first_name=first,
                last_name=last,
                email=ref.get("email") or "",
                seen_in_roster=False,
            )
        )
    RemoteStaff.objects.bulk_create(placeholders, ignore_conflicts=True)
    _ensure_staff_mappings(integration=integration, external_ids=list(missing))
    rematch_queue(integration_id=integration.pk)
    return dict(
        RemoteStaff.objects.filter(
            integration=integration, external_id__in=list(missing)
        ).values_list("external_id", "id")
    )


def lead_source_refs_resolve(
    *, integration: Integration, refs: list[dict | None]
) -> list[int | None]:
    """The sender's RemoteLeadSource id for each source reference (placeholders if unknown)."""
    keys = [None if ref is None else _ref_key(ref, "name") for ref in refs]
    wanted = {key for key in keys if key}
    if not wanted:
        return [None] * len(refs)
    found = dict(
        RemoteLeadSource.objects.filter(
            integration=integration, external_id__in=wanted
        ).values_list("external_id", "id")
    )
    by_name = {
        ref["name"].lower(): key
        for ref, key in zip(refs, keys, strict=True)
        if key and key not in found and ref and not ref.get("external_id")
    }
    if by_name:
        for name, rid in (
            RemoteLeadSource.objects.filter(integration=integration)
            .annotate(lower_name=Lower("name"))
            .filter(lower_name__in=list(by_name))
            .order_by("active", "id")
            .values_list("lower_name", "id")
        ):
            found[by_name[name]] = rid
    missing = {key: ref for ref, key in zip(refs, keys, strict=True) if key and key not in found}
    if missing:
        placeholders = [
            RemoteLeadSource(
                integration=integration,
                external_id=key,
                name=(ref.get("name") or key)[:100],
                seen_in_roster=False,
            )
            for key, ref in missing.items()
        ]
        RemoteLeadSource.objects.bulk_create(placeholders, ignore_conflicts=True)
        _ensure_lead_source_mappings(integration=integration, external_ids=list(missing))
        rematch_queue(integration_id=integration.pk)
        found.update(
            RemoteLeadSource.objects.filter(
                integration=integration, external_id__in=list(missing)
            ).values_list("external_id", "id")
        )
    return [found.get(key) if key else None for key in keys]
