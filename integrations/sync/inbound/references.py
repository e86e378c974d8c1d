"""The owner and lead source a record names, as the sender's remote staff / lead source ids.

`staff_refs_resolve(*, integration, refs) -> list[int | None]` and
`lead_source_refs_resolve(...)`: a reference is found by the sender's external id, else by the
staff's email / the source's name. Unknown ones become placeholders (`seen_in_roster=False`)
with an unmatched mapping, so they show up for review, and re-matching is queued. A constant
number of queries per batch; every row returned stays until the transaction ends.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.db import IntegrityError

from integrations.db.ingest import rows_by_key_locked
from integrations.models import Integration
from mappings.models import RemoteLeadSource, RemoteStaff
from mappings.services.rematch import rematch_queue
from mappings.services.rosters import remote_mappings_ensure


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first[:100], last.strip()[:100]


def _ref_key(ref: dict, fallback_field: str) -> str:
    if ref.get("external_id"):
        return ref["external_id"]
    return f"{fallback_field}:{ref[fallback_field].lower()}"[:100]


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
    transaction ends (`db.ingest.rows_by_key_locked`); one that vanished meanwhile raises
    IntegrityError, and ingest starts the batch over."""
    field, column, value_of = fallback

    def found_by(column: str, values: Collection[str]) -> list[tuple[str, int]]:
        return rows_by_key_locked(
            model, integration_id=integration.pk, column=column, values=values
        )

    keys = [None if ref is None else _ref_key(ref, field) for ref in refs]
    wanted = {key for key in keys if key}
    if not wanted:
        return [None] * len(refs)
    found = dict(found_by("external_id", wanted))
    by_field = {
        value_of(ref): key
        for ref, key in zip(refs, keys, strict=True)
        if key and key not in found and ref and not ref.get("external_id")
    }
    for value, rid in found_by(column, by_field):
        found[by_field[value]] = rid
    missing = {
        key: ref for ref, key in zip(refs, keys, strict=True) if key and ref and key not in found
    }
    if missing:
        # A row another writer just made for the same key is kept (and read back below).
        rows = [placeholder(key, ref) for key, ref in missing.items()]
        model.objects.bulk_create(rows, ignore_conflicts=True)
        remote_mappings_ensure(model, integration=integration, external_ids=list(missing))
        rematch_queue(integration_id=integration.pk)
        found.update(found_by("external_id", missing))
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
