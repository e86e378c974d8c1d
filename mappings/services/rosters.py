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

from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction

from integrations.models import Integration
from integrations.models.lookups import membership_sql
from mappings.models import RemoteLeadSource, RemoteStaff
from mappings.services.rematch import rematch_queue

STAFF_FIELDS = ("first_name", "last_name", "email", "active")
LEAD_SOURCE_FIELDS = ("name", "active")


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first[:100], last.strip()[:100]


def _ensure_mappings(
    remote_model: Any, *, integration: Integration, external_ids: list[str]
) -> None:
    """An unmatched mapping row for each of these remote staff / lead sources that has none."""
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
    _ensure_mappings(RemoteStaff, integration=integration, external_ids=new_ids)
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
    _ensure_mappings(RemoteLeadSource, integration=integration, external_ids=new_ids)
    if counts["created"] or counts["updated"] or counts["deactivated"]:
        rematch_queue(integration_id=integration.pk)
    return counts


def _ref_key(ref: dict, fallback_field: str) -> str:
    if ref.get("external_id"):
        return ref["external_id"]
    return f"{fallback_field}:{ref[fallback_field].lower()}"[:100]


def _rows_found(
    model: Any, *, integration: Integration, column: str, values: Iterable[str]
) -> list[tuple[str, int]]:
    """(value, id) of the integration's rows whose `column` (an SQL expression of ours) is one
    of `values`, inactive first then by id, so the last one of a value wins.

    On PostgreSQL the rows are locked against deletion until the transaction ends (`FOR KEY
    SHARE`, models/integrity.py) by the same query that finds them: a row deleted before it
    is read is simply not found, and one deleted after waits for the writer. Plain SQL: this
    runs for every ingest batch, and the ORM spent more building the query than the database
    running it.
    """
    values = sorted(set(values))
    if not values:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    where, params = membership_sql(connection, column, values, "text")
    lock = " FOR KEY SHARE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {column}, id FROM {table} WHERE integration_id = %s AND {where}"  # noqa: S608 - names are ours
        f" ORDER BY active, id{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [integration.pk, *params])
        return cursor.fetchall()


def _refs_resolve(
    model: Any,
    *,
    integration: Integration,
    refs: list[dict | None],
    fallback: tuple[str, str, Callable[[dict], str]],
    placeholder: Callable[[str, dict], Any],
) -> list[int | None]:
    """Each reference's row id: by external id (or the fallback key made from another field),
    then by that field itself, else a new placeholder. Every row returned stays until the
    transaction ends (`_rows_found`); one that vanished meanwhile raises IntegrityError, and
    ingest starts the batch over."""
    field, column, value_of = fallback
    keys = [None if ref is None else _ref_key(ref, field) for ref in refs]
    wanted = {key for key in keys if key}
    if not wanted:
        return [None] * len(refs)
    found = dict(_rows_found(model, integration=integration, column="external_id", values=wanted))
    by_field = {
        value_of(ref): key
        for ref, key in zip(refs, keys, strict=True)
        if key and key not in found and ref and not ref.get("external_id")
    }
    for value, rid in _rows_found(model, integration=integration, column=column, values=by_field):
        found[by_field[value]] = rid
    missing = {
        key: ref for ref, key in zip(refs, keys, strict=True) if key and ref and key not in found
    }
    if missing:
        # A row another writer just made for the same key is kept (and read back below).
        rows = [placeholder(key, ref) for key, ref in missing.items()]
        model.objects.bulk_create(rows, ignore_conflicts=True)
        _ensure_mappings(model, integration=integration, external_ids=list(missing))
        rematch_queue(integration_id=integration.pk)
        found.update(
            _rows_found(model, integration=integration, column="external_id", values=missing)
        )
        if wanted - set(found):
            raise IntegrityError(f"A {model._meta.verbose_name} was deleted while it was read.")
    return [found[key] if key else None for key in keys]


def staff_refs_resolve(*, integration: Integration, refs: list[dict | None]) -> list[int | None]:
    """The sender's RemoteStaff id for each owner reference (placeholders for unknown ones)."""

    def placeholder(key: str, ref: dict) -> RemoteStaff:
        first, last = _split_name(ref.get("name") or "")
        email = ref.get("email") or ""
        return RemoteStaff(
            integration=integration,
            external_id=key,
            first_name=first,
            last_name=last,
            email=email,
            seen_in_roster=False,
        )

    return _refs_resolve(
        RemoteStaff,
        integration=integration,
        refs=refs,
        fallback=("email", "email", lambda ref: ref["email"]),
        placeholder=placeholder,
    )


def lead_source_refs_resolve(
    *, integration: Integration, refs: list[dict | None]
) -> list[int | None]:
    """The sender's RemoteLeadSource id for each source reference (placeholders if unknown)."""

    def placeholder(key: str, ref: dict) -> RemoteLeadSource:
        name = (ref.get("name") or key)[:100]
        return RemoteLeadSource(
            integration=integration, external_id=key, name=name, seen_in_roster=False
        )

    return _refs_resolve(
        RemoteLeadSource,
        integration=integration,
        refs=refs,
        fallback=("name", "LOWER(name)", lambda ref: ref["name"].lower()),
        placeholder=placeholder,
    )
