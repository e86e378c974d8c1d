"""Stored records as the partner API shows them, in one integration's ids."""

from __future__ import annotations

from typing import Any

from integrations.models import Integration
from integrations.records.shape import fields_json, record_shape
from integrations.records.translate import TranslateItem, records_translate


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def records_render(*, integration: Integration, kind: str, records: list[Any]) -> list[dict]:
    """Stored records as the API shows them, in `integration`'s ids (a fixed query count)."""
    shape = record_shape(kind)
    translations = records_translate(
        integration=integration,
        kind=kind,
        items=[
            TranslateItem(
                record_id=obj.pk,
                staff_owner_id=obj.staff_owner_id,
                lead_source_id=obj.lead_source_id,
                prospect_id=getattr(obj, "prospect_id", None),
            )
            for obj in records
        ],
    )
    out = []
    for obj, t in zip(records, translations, strict=True):
        data: dict[str, Any] = {"id": str(obj.pk), "external_id": t.external_id}
        data.update(fields_json(shape, {name: getattr(obj, name) for name in shape.names}))
        data["staff_owner"] = t.owner.staff_owner
        data["lead_source"] = t.lead_source.lead_source
        data["updated_at"] = _iso(obj.source_updated_at)
        data["created_at"] = _iso(obj.created_at)
        data["version"] = obj.version
        if kind == "member":
            data["prospect_id"] = str(obj.prospect_id) if obj.prospect_id else None
            data["prospect_external_id"] = t.prospect_external_id
        out.append(data)
    return out
