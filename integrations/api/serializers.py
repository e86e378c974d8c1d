"""The partner API's bodies, as DRF serializers: the OpenAPI schema, and record output.

Input is validated by `normalize.py` (fast, every field listed); these serializers describe
the same bodies for drf-spectacular, so the schema says exactly what the API checks.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from integrations.models import Integration
from integrations.models.choices import Gender, MemberStatus
from integrations.sync.ingest import record_fields
from integrations.sync.translate import TranslateItem, records_translate


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = FieldErrorSerializer(many=True, help_text="Every invalid field (may be empty).")  # type: ignore[assignment]
    option = serializers.CharField(
        required=False, help_text="403 only: the integration option that does not allow it."
    )


class AddressSerializer(serializers.Serializer):
    line1 = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    state = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    postal_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, allow_null=True, help_text="ISO 3166 code"
    )


class StaffRefSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=100, required=False, allow_null=True, help_text="The staff id in your system."
    )
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)


class LeadSourceRefSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)


def _text(limit: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=limit, required=False, allow_blank=True, allow_null=True, **kwargs
    )


class ProspectBodySerializer(serializers.Serializer):
    """A prospect. Fields left out keep their stored value; null or "" clears one."""

    first_name = _text(100, help_text="Required with last_name unless email or phone is given.")
    last_name = _text(100)
    email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, allow_null=True
    )
    phone = _text(50, help_text="Stored in E.164; an unparseable number is a field error.")
    birth_date = serializers.DateField(required=False, allow_null=True)
    gender = serializers.ChoiceField(
        choices=Gender.values, required=False, allow_null=True, allow_blank=True
    )
    address = AddressSerializer(required=False, allow_null=True)
    notes = _text(5000)
    staff_owner = StaffRefSerializer(
        required=False, allow_null=True, help_text="Your staff record; give external_id or email."
    )
    lead_source = LeadSourceRefSerializer(
        required=False, allow_null=True, help_text="Your lead source; give external_id or name."
    )
    updated_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Your change time; older than stored is ignored."
    )
    connector_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Link this external_id to an existing record."
    )


class MemberBodySerializer(ProspectBodySerializer):
    membership_number = _text(50)
    membership_type = _text(100)
    status = serializers.ChoiceField(
        choices=MemberStatus.values, required=False, allow_null=True, allow_blank=True
    )
    join_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    is_secondary = serializers.BooleanField(required=False, help_text="A family add-on.")
    prospect_external_id = serializers.CharField(
        max_length=100, required=False, allow_null=True, help_text="The prospect it converts."
    )


class ProspectBatchItemSerializer(ProspectBodySerializer):
    external_id = serializers.CharField(min_length=1, max_length=100)


class MemberBatchItemSerializer(MemberBodySerializer):
    external_id = serializers.CharField(min_length=1, max_length=100)


class StaffRefOutSerializer(serializers.Serializer):
    external_id = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)


class LeadSourceRefOutSerializer(serializers.Serializer):
    external_id = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_blank=True)


class AddressOutSerializer(serializers.Serializer):
    line1 = serializers.CharField(required=False)
    line2 = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    state = serializers.CharField(required=False)
    postal_code = serializers.CharField(required=False)
    country = serializers.CharField(required=False)


class ProspectOutSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The Connector id.")
    external_id = serializers.CharField(allow_null=True, help_text="Your id, or null.")
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    birth_date = serializers.DateField(allow_null=True)
    gender = serializers.CharField(allow_blank=True)
    address = AddressOutSerializer()
    notes = serializers.CharField(allow_blank=True)
    staff_owner = StaffRefOutSerializer(allow_null=True, help_text="In your staff ids.")
    lead_source = LeadSourceRefOutSerializer(allow_null=True, help_text="In your lead-source ids.")
    updated_at = serializers.DateTimeField(allow_null=True, help_text="The source's change time.")
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class MemberOutSerializer(ProspectOutSerializer):
    membership_number = serializers.CharField(allow_blank=True)
    membership_type = serializers.CharField(allow_blank=True)
    status = serializers.CharField(allow_blank=True)
    join_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    is_secondary = serializers.BooleanField()
    prospect_id = serializers.UUIDField(allow_null=True)
    prospect_external_id = serializers.CharField(allow_null=True)


class BatchResultSerializer(serializers.Serializer):
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    id = serializers.UUIDField(allow_null=True)
    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]  # the contract's name


class BatchResponseSerializer(serializers.Serializer):
    results = BatchResultSerializer(many=True, help_text="One per record, in request order.")


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def records_render(*, integration: Integration, kind: str, records: list[Any]) -> list[dict]:
    """Stored records as the API shows them, in `integration`'s ids (a fixed query count)."""
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
        for name in record_fields(kind):
            value = getattr(obj, name)
            data[name] = value.isoformat() if hasattr(value, "isoformat") else value
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
