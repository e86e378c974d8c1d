"""The partner API's bodies, as DRF serializers: the OpenAPI schema.

Input is validated by `integrations.records.normalize` (fast, every field listed) and answers
are rendered by `integrations.records.render`; these serializers describe the same bodies for
drf-spectacular, built from the record's fields (`integrations.records.shape`), so the schema
says exactly what the API checks and a new field of the record appears here by itself.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from integrations.api import body_schema as b
from integrations.models.fields import (
    RecordAddress,
    RecordChoice,
    RecordDate,
    RecordEmail,
    RecordField,
    RecordFlag,
    RecordPhone,
)
from integrations.records.shape import record_shape
from integrations.records.values import (
    ADDRESS_LIMITS,
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


def _serializer(name: str, fields: dict[str, serializers.Field], doc: str,
                base: type = serializers.Serializer, **attrs: Any) -> type:
    return type(name, (base,), {**fields, **attrs, "__doc__": doc})


AddressSerializer = _serializer(
    "AddressSerializer",
    {
        part: b.field(b.COUNTRY if part == "country" else b.text(limit), null=True,
                      help_text="An ISO 3166 code, 2 letters." if part == "country" else None)
        for part, limit in ADDRESS_LIMITS.items()
    },
    "A postal address; every part optional.",
)


class StaffRefSerializer(b.Rules):
    """Your staff record: its external_id, or its email."""

    rules = b.ref_rules("email", b.EMAIL)
    external_id = b.field(b.EXTERNAL_ID, null=True, help_text="The staff id in your system.")
    email = b.field(b.or_blank(b.EMAIL), null=True)
    name = b.field(b.text(STAFF_NAME_MAX), null=True)


class LeadSourceRefSerializer(b.Rules):
    """Your lead source: its external_id, or its name."""

    rules = b.ref_rules("name", b.nonblank(LEAD_SOURCE_NAME_MAX))
    external_id = b.field(b.EXTERNAL_ID, null=True)
    name = b.field(b.text(LEAD_SOURCE_NAME_MAX), null=True)


def _record_input(field: RecordField) -> serializers.Field:
    """The schema of a record field in a body: optional, and `null` (or "") clears it."""
    words = field.help_text or None  # type: ignore[attr-defined]
    if isinstance(field, RecordDate):
        return b.field(b.DATE, null=True, help_text=words or b.DATE_WORDS)
    if isinstance(field, RecordFlag):
        return b.field({"type": "boolean"}, help_text=words)
    if isinstance(field, RecordAddress):
        return AddressSerializer(required=False, allow_null=True, help_text=words)
    if isinstance(field, RecordChoice):
        return serializers.ChoiceField(
            choices=[v for v, _ in field.choices or ()], required=False, allow_blank=True,
            allow_null=True, help_text=words,
        )
    if isinstance(field, RecordEmail):
        return b.field(b.or_blank(b.EMAIL), null=True, help_text=words)
    if isinstance(field, RecordPhone):
        return b.field(b.or_blank(b.PHONE), null=True, help_text=b.PHONE_WORDS)
    return b.field(b.text(field.input_limit), null=True, help_text=words)


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
    fields.update(
        staff_owner=StaffRefSerializer(
            required=False, allow_null=True, help_text="Your staff record: external_id or email."
        ),
        lead_source=LeadSourceRefSerializer(
            required=False, allow_null=True, help_text="Your lead source: external_id or name."
        ),
        updated_at=b.field(
            b.DATE_TIME, null=True,
            help_text="Your change time; older than the stored one is ignored. "
            + b.DATE_TIME_WORDS,
        ),
        connector_id=b.field(
            b.UUID, null=True,
            help_text="Link this external_id to an existing record (404 if there is none).",
        ),
    )
    if kind == "member":
        fields["prospect_external_id"] = b.field(
            b.EXTERNAL_ID, null=True,
            help_text="The prospect (your id) it converts (404 if you sent none by that id).",
        )
    return fields


def _batch_item_fields(kind: str) -> dict[str, serializers.Field]:
    external_id = b.field(b.EXTERNAL_ID, required=True, help_text=b.EXTERNAL_ID_WORDS)
    return {"external_id": external_id, **_body_fields(kind)}


BODY_DOC = (
    "A {kind}: first_name and last_name, or an email, or a phone. Fields left out keep their "
    "stored value; null or \"\" clears one. Strings are trimmed of white space and invisible "
    "characters, their limits counted as sent."
)


def _body(name: str, fields: dict[str, serializers.Field], kind: str) -> type:
    return _serializer(
        name, fields, BODY_DOC.format(kind=kind), base=b.Rules, rules=b.IDENTITY_RULES
    )


ProspectBodySerializer = _body("ProspectBodySerializer", _body_fields("prospect"), "prospect")
MemberBodySerializer = _body("MemberBodySerializer", _body_fields("member"), "member")
ProspectBatchItemSerializer = _body(
    "ProspectBatchItemSerializer", _batch_item_fields("prospect"), "prospect"
)
MemberBatchItemSerializer = _body(
    "MemberBatchItemSerializer", _batch_item_fields("member"), "member"
)
BATCH_WORDS = (
    f"Up to {MAX_BATCH} records, no external_id twice (a 400 for the whole request, nothing "
    "stored). Each is checked alone: a bad record is its own result, with status error."
)


class ProspectBatchRequestSerializer(serializers.Serializer):
    records = ProspectBatchItemSerializer(many=True, max_length=MAX_BATCH, help_text=BATCH_WORDS)  # type: ignore[operator]


class MemberBatchRequestSerializer(serializers.Serializer):
    records = MemberBatchItemSerializer(many=True, max_length=MAX_BATCH, help_text=BATCH_WORDS)  # type: ignore[operator]


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
