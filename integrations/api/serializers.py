"""The partner API's bodies, as DRF serializers: the OpenAPI schema.

Input is validated by `integrations.records.normalize` (fast, every field listed) and answers
are rendered by `integrations.records.render`; these serializers describe the same bodies for
drf-spectacular, built from the record's fields (`integrations.records.shape`), so the schema
says exactly what the API checks and a new field of the record appears here by itself.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from integrations.models.fields import (
    RecordAddress,
    RecordChoice,
    RecordDate,
    RecordEmail,
    RecordField,
    RecordFlag,
)
from integrations.records.shape import record_shape
from integrations.records.values import (
    ADDRESS_LIMITS,
    EMAIL_MAX,
    EXTERNAL_ID_MAX,
    LEAD_SOURCE_NAME_MAX,
    STAFF_NAME_MAX,
)

MAX_BATCH = 500  # records in one batch request (partner-api.md)


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


def _serializer(name: str, fields: dict[str, serializers.Field], doc: str) -> type:
    return type(name, (serializers.Serializer,), {**fields, "__doc__": doc})


AddressSerializer = _serializer(
    "AddressSerializer",
    {
        part: serializers.CharField(
            max_length=limit, required=False, allow_blank=True, allow_null=True,
            help_text="ISO 3166 code" if part == "country" else None,
        )
        for part, limit in ADDRESS_LIMITS.items()
    },
    "A postal address; every part optional.",
)


class StaffRefSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=EXTERNAL_ID_MAX, required=False, allow_null=True,
        help_text="The staff id in your system.",
    )
    email = serializers.EmailField(
        max_length=EMAIL_MAX, required=False, allow_blank=True, allow_null=True
    )
    name = serializers.CharField(
        max_length=STAFF_NAME_MAX, required=False, allow_blank=True, allow_null=True
    )


class LeadSourceRefSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=EXTERNAL_ID_MAX, required=False, allow_null=True)
    name = serializers.CharField(
        max_length=LEAD_SOURCE_NAME_MAX, required=False, allow_blank=True, allow_null=True
    )


def _record_input(field: RecordField) -> serializers.Field:
    """The schema of a record field in a body: optional, and `null` (or "") clears it."""
    common: dict[str, Any] = {"required": False, "help_text": field.help_text or None}  # type: ignore[attr-defined]
    if isinstance(field, RecordDate):
        return serializers.DateField(allow_null=True, **common)
    if isinstance(field, RecordFlag):
        return serializers.BooleanField(**common)
    if isinstance(field, RecordAddress):
        return AddressSerializer(allow_null=True, **common)
    common.update(allow_blank=True, allow_null=True)
    if isinstance(field, RecordChoice):
        return serializers.ChoiceField(choices=[v for v, _ in field.choices or ()], **common)
    if isinstance(field, RecordEmail):
        return serializers.EmailField(max_length=field.input_limit, **common)
    return serializers.CharField(max_length=field.input_limit, **common)


def _record_output(field: RecordField) -> serializers.Field:
    if isinstance(field, RecordDate):
        return serializers.DateField(allow_null=True)
    if isinstance(field, RecordFlag):
        return serializers.BooleanField()
    if isinstance(field, RecordAddress):
        return AddressOutSerializer()
    return serializers.CharField(allow_blank=True)


def _body_fields(kind: str) -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {}
    for field in record_shape(kind).fields:
        fields[field.attname] = _record_input(field)  # type: ignore[attr-defined]
    optional: dict[str, Any] = {"required": False, "allow_null": True}
    fields.update(
        staff_owner=StaffRefSerializer(
            help_text="Your staff record; give external_id or email.", **optional
        ),
        lead_source=LeadSourceRefSerializer(
            help_text="Your lead source; give external_id or name.", **optional
        ),
        updated_at=serializers.DateTimeField(
            help_text="Your change time; older than stored is ignored.", **optional
        ),
        connector_id=serializers.UUIDField(
            help_text="Link this external_id to an existing record.", **optional
        ),
    )
    if kind == "member":
        fields["prospect_external_id"] = serializers.CharField(
            max_length=EXTERNAL_ID_MAX, required=False, allow_null=True,
            help_text="The prospect it converts.",
        )
    return fields


def _batch_item_fields(kind: str) -> dict[str, serializers.Field]:
    external_id = serializers.CharField(min_length=1, max_length=EXTERNAL_ID_MAX)
    return {"external_id": external_id, **_body_fields(kind)}


BODY_DOC = "A {kind}. Fields left out keep their stored value; null or \"\" clears one."
ProspectBodySerializer = _serializer(
    "ProspectBodySerializer", _body_fields("prospect"), BODY_DOC.format(kind="prospect")
)
MemberBodySerializer = _serializer(
    "MemberBodySerializer", _body_fields("member"), BODY_DOC.format(kind="member")
)
ProspectBatchItemSerializer = _serializer(
    "ProspectBatchItemSerializer", _batch_item_fields("prospect"), BODY_DOC.format(kind="prospect")
)
MemberBatchItemSerializer = _serializer(
    "MemberBatchItemSerializer", _batch_item_fields("member"), BODY_DOC.format(kind="member")
)


class ProspectBatchRequestSerializer(serializers.Serializer):
    records = ProspectBatchItemSerializer(many=True, max_length=MAX_BATCH)  # type: ignore[operator]


class MemberBatchRequestSerializer(serializers.Serializer):
    records = MemberBatchItemSerializer(many=True, max_length=MAX_BATCH)  # type: ignore[operator]


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


class MatchedSerializer(serializers.Serializer):
    """Present when a record with a new external_id was certainly a person the client had."""

    method = serializers.CharField(help_text="What agreed: 'name+email', 'nickname+phone', ...")
    reason = serializers.CharField(help_text="Why, in plain words.")
    prospect_id = serializers.UUIDField(
        required=False, help_text="Members: the prospect this member is the conversion of."
    )


MATCHED_DOC = (
    "Only when this external_id was new and the record is certainly a person the client "
    "already had (product.md §3a): linked to that person."
)


def _out_fields(kind: str) -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {
        "id": serializers.UUIDField(help_text="The Connector id."),
        "external_id": serializers.CharField(allow_null=True, help_text="Your id, or null."),
    }
    fields.update({f.attname: _record_output(f) for f in record_shape(kind).fields})  # type: ignore[attr-defined]
    fields.update(
        staff_owner=StaffRefOutSerializer(allow_null=True, help_text="In your staff ids."),
        lead_source=LeadSourceRefOutSerializer(
            allow_null=True, help_text="In your lead-source ids."
        ),
        updated_at=serializers.DateTimeField(
            allow_null=True, help_text="The source's change time."
        ),
        created_at=serializers.DateTimeField(),
        version=serializers.IntegerField(),
    )
    if kind == "member":
        fields["prospect_id"] = serializers.UUIDField(allow_null=True)
        fields["prospect_external_id"] = serializers.CharField(allow_null=True)
    fields["matched"] = MatchedSerializer(required=False, help_text=MATCHED_DOC)
    return fields


ProspectOutSerializer = _serializer(
    "ProspectOutSerializer", _out_fields("prospect"), "A stored prospect, in your ids."
)
MemberOutSerializer = _serializer(
    "MemberOutSerializer", _out_fields("member"), "A stored member, in your ids."
)


class BatchResultSerializer(serializers.Serializer):
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    id = serializers.UUIDField(allow_null=True)
    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]  # the contract's name
    matched = MatchedSerializer(required=False, help_text=MATCHED_DOC)


class BatchResponseSerializer(serializers.Serializer):
    results = BatchResultSerializer(many=True, help_text="One per record, in request order.")
