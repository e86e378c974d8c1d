"""A partner body as a record: every field checked and normalized (partner-api.md).

`record_normalize` returns the record with only the keys the body gave (a key left out keeps
its stored value; `null` or `""` clears it), and the list of `{"field", "message"}` errors.
The record's own fields are the model's (`shape.record_shape`); around them the body carries
references in the sender's terms (`staff_owner`, `lead_source`), the source's change time
(`updated_at`), a link to an existing record (`connector_id`) and, for members, the prospect
it converts (`prospect_external_id`). Used by the partner API and by fetching alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings

from integrations.records import values
from integrations.records.shape import record_shape
from integrations.records.values import MISSING, FieldError

Envelope = dict[str, Callable[[Any, str, list[FieldError]], Any]]

# What a body carries besides the record's fields.
ENVELOPE: Envelope = {
    "staff_owner": values.staff_owner_value,
    "lead_source": values.lead_source_value,
    "updated_at": values.datetime_value,
    "connector_id": values.connector_id_value,
}
def _prospect_external_id(value: Any, path: str, errors: list[FieldError]) -> str | None:
    return None if value is None else values.external_id_value(value, path, errors)


MEMBER_ENVELOPE: Envelope = {**ENVELOPE, "prospect_external_id": _prospect_external_id}


@functools.cache
def _plan(kind: str) -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...], Envelope]:
    """(fields normalized first, fields read in the record's country, the envelope)."""
    shape = record_shape(kind)
    first = tuple((f.attname, f.normalize) for f in shape.fields if not f.reads_region)  # type: ignore[attr-defined]
    regional = tuple((f.attname, f.normalize) for f in shape.fields if f.reads_region)  # type: ignore[attr-defined]
    return first, regional, MEMBER_ENVELOPE if kind == "member" else ENVELOPE


def record_normalize(
    *,
    kind: str,
    data: Any,
    prefix: str = "",
    external_id: str | None = None,
    phone_region: str | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate one record body; `external_id` is the id from the URL (a PUT), if any.

    A phone number without a country code is read in the address's country, else in
    `phone_region`, else in `CONNECTOR_DEFAULT_PHONE_REGION` (a batch reads the setting once:
    each read through Django's lazy settings costs about a microsecond)."""
    errors: list[FieldError] = []
    if not isinstance(data, dict):
        return {}, [{"field": prefix.rstrip(".") or "body", "message": "Must be an object."}]
    record: dict[str, Any] = {"external_id": _external_id(data, prefix, external_id, errors)}
    first, regional, envelope = _plan(kind)
    for name, normalize in first:
        if name in data:
            value = normalize(data[name], f"{prefix}{name}", errors, "")
            if value is not MISSING:
                record[name] = value
    for name, normalize in envelope.items():
        if name in data:
            value = normalize(data[name], f"{prefix}{name}", errors)
            if value is not MISSING:
                record[name] = value
    if regional:
        country = (record.get("address") or {}).get("country")
        region = country or phone_region or settings.CONNECTOR_DEFAULT_PHONE_REGION
        for name, normalize in regional:
            if name in data:
                record[name] = normalize(data[name], f"{prefix}{name}", errors, region)
    identity_check(record, prefix, errors)
    return record, errors


def _external_id(
    data: dict, prefix: str, external_id: str | None, errors: list[FieldError]
) -> str | None:
    body_id = data.get("external_id", MISSING)
    if external_id is None:
        return values.external_id_value(
            None if body_id is MISSING else body_id, f"{prefix}external_id", errors
        )
    # The id from the URL, or the platform's own for a fetched record: the same rule.
    if values.external_id_value(external_id, f"{prefix}external_id", errors) is None:
        return None
    if body_id is not MISSING and body_id != external_id:
        errors.append(
            {"field": f"{prefix}external_id", "message": "Differs from the id in the URL."}
        )
    return external_id


def identity_check(record: dict[str, Any], prefix: str, errors: list[FieldError]) -> None:
    """First and last name are required unless an email or phone is given."""
    if record.get("email") or record.get("phone"):
        return
    failed = {error["field"] for error in errors}
    if {f"{prefix}email", f"{prefix}phone"} & failed:
        return  # an email or phone was given, just not a valid one: that error says it all
    for name in ("first_name", "last_name"):
        if not record.get(name) and f"{prefix}{name}" not in failed:
            errors.append(
                {"field": f"{prefix}{name}", "message": "Required unless email or phone is given."}
            )
