"""The partner record's fields, as the models declare them, and a stored record's snapshot.

The fields of a prospect or member are declared once, on the model, as `Record*` model fields
(`integrations.models.fields`); `record_shape(kind)` reads them in declaration order, once per
process. Everything that handles a record's fields reads the shape: normalization, ingest, the
change snapshot the feed and webhooks are rendered from, the API's answers and its schema.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.models import Member, Prospect
from integrations.models.fields import RecordField

KINDS = ("prospect", "member")


@dataclass(frozen=True)
class RecordShape:
    """The record fields of one kind, and what ingest and the renderers need of them."""

    kind: str
    model: type[Prospect] | type[Member]
    fields: tuple[RecordField, ...]
    names: tuple[str, ...]
    cleared: Mapping[str, Any]  # what `null` (or "") in a body stores, by field
    converted: tuple[RecordField, ...]  # the fields whose JSON differs from the stored value


def kind_check(kind: str) -> None:
    """Raises ValueError for anything but 'prospect' or 'member'."""
    if kind not in KINDS:
        raise ValueError(f"kind must be 'prospect' or 'member', not {kind!r}")


@functools.cache
def record_shape(kind: str) -> RecordShape:
    kind_check(kind)
    model = Prospect if kind == "prospect" else Member
    fields = tuple(f for f in model._meta.concrete_fields if isinstance(f, RecordField))
    return RecordShape(
        kind=kind,
        model=model,
        fields=fields,
        names=tuple(f.attname for f in fields),  # type: ignore[attr-defined]
        cleared={f.attname: f.cleared for f in fields},  # type: ignore[attr-defined]
        converted=tuple(f for f in fields if type(f).to_json is not RecordField.to_json),
    )


def fields_json(shape: RecordShape, values: Mapping[str, Any]) -> dict[str, Any]:
    """The record fields of `values` (attribute names: a row, or an instance's `vars()`),
    as JSON values."""
    fields = {name: values[name] for name in shape.names}
    for field in shape.converted:  # the only values JSON has no type for (dates)
        name = field.attname  # type: ignore[attr-defined]
        fields[name] = field.to_json(fields[name])
    return fields


def change_snapshot(
    shape: RecordShape, values: Mapping[str, Any], *, converted: bool = False, former: bool = False
) -> dict[str, Any]:
    """What a `Change` keeps of the record as stored (events are rendered from it).

    `values` holds the record by attribute name; `converted` / `former`: this change made the
    member a prospect's conversion / a former member.
    """
    data: dict[str, Any] = {
        "fields": fields_json(shape, values),
        "staff_owner_id": values["staff_owner_id"],
        "lead_source_id": values["lead_source_id"],
        "version": values["version"],
    }
    if shape.kind == "member":
        prospect_id = values["prospect_id"]
        data.update(
            prospect_id=str(prospect_id) if prospect_id else None,
            converted=converted,
            former=former,
        )
    return data


def record_snapshot(record: Prospect | Member) -> dict[str, Any]:
    """The snapshot of a stored record as it stands (a change the Connector makes itself)."""
    kind = "member" if isinstance(record, Member) else "prospect"
    values = {name: getattr(record, name) for name in record_shape(kind).names}
    for name in ("staff_owner_id", "lead_source_id", "version", "prospect_id"):
        values[name] = getattr(record, name, None)
    return change_snapshot(record_shape(kind), values)
