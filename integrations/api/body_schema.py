"""The OpenAPI schema of what a request carries, saying exactly what the API checks.

Input is checked by `integrations.records.values` (and the views), not by DRF: these are
serializer fields only for drf-spectacular, each with its JSON schema, built from the same
limits and patterns the checks apply. So the schema is the truth: what it calls valid the
API takes, what it calls invalid the API refuses (tests/api/test_schemathesis.py runs every
Schemathesis check on it). Where a JSON schema cannot say it all, the description does and
the schema names a format of ours: `phone` (a number phonenumbers calls valid),
`page-cursor` and `feed-cursor` (a cursor the API handed out); and the one rule across a
list's entries (no external_id twice) is in its description.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from rest_framework import serializers

from integrations.records.values import (
    BLANK_PATTERN,
    COUNTRY_PATTERN,
    DATE_PATTERN,
    DATE_TIME_PATTERN,
    EMAIL_MAX,
    EXTERNAL_ID_MAX,
    EXTERNAL_ID_PATTERN,
    NONBLANK_PATTERN,
    TEXT_PATTERN,
)

Schema = dict[str, Any]


class SchemaField(serializers.Field):
    """A field of a request body, described by its JSON schema (`schema`)."""

    def __init__(self, schema: Schema, **kwargs: Any) -> None:
        self.schema = schema
        super().__init__(**kwargs)


class SchemaFieldExtension(OpenApiSerializerFieldExtension):
    target_class = SchemaField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Schema:
        return dict(self.target.schema)


class Rules(serializers.Serializer):
    """An object whose fields are not all there is to say: `rules` (anyOf, ...) joins its
    schema, for what it requires of its fields together."""

    rules: Schema = {}


class RulesExtension(OpenApiSerializerExtension):
    target_class = Rules
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Schema:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, **type(self.target).rules}


def field(schema: Schema, *, required: bool = False, null: bool = False,
          help_text: str | None = None) -> SchemaField:
    return SchemaField(schema, required=required, allow_null=null, help_text=help_text)


def text(limit: int) -> Schema:
    """A string of at most `limit` characters as sent, trimmed; no NUL or lone surrogate."""
    return {"type": "string", "maxLength": limit, "pattern": TEXT_PATTERN}


def nonblank(limit: int) -> Schema:
    """Text with something left once trimmed (white space and invisible characters)."""
    return {"type": "string", "maxLength": limit, "pattern": NONBLANK_PATTERN}


EXTERNAL_ID: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": EXTERNAL_ID_MAX,
    "pattern": EXTERNAL_ID_PATTERN,
}
EXTERNAL_ID_WORDS = (
    "Your id: 1-100 characters; no '/', no control characters, and no white space or "
    "invisible character at either end."
)
# Reading or erasing by an id: any a record may be stored under (one from before the rule too).
STORED_EXTERNAL_ID: Schema = {
    "type": "string", "minLength": 1, "maxLength": EXTERNAL_ID_MAX, "pattern": TEXT_PATTERN,
}
EMAIL: Schema = {"type": "string", "format": "email", "maxLength": EMAIL_MAX}
PHONE: Schema = {"type": "string", "format": "phone", "maxLength": 50, "pattern": TEXT_PATTERN}
PHONE_WORDS = (
    "A valid phone number: E.164 (+12125550123), or as dialled in the record's country (the "
    "address's, else the Connector's default); stored in E.164, an extension read and left "
    "out. A number that is not valid (555-1234) is a field error."
)


def or_blank(schema: Schema) -> Schema:
    """`schema`, or a string that trims to nothing (it clears the field)."""
    blank = {"type": "string", "maxLength": schema["maxLength"], "pattern": BLANK_PATTERN}
    return {"anyOf": [schema, blank]}


DATE: Schema = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
DATE_WORDS = "YYYY-MM-DD: any date from 0001-01-01 to 9999-12-31."
DATE_TIME: Schema = {"type": "string", "format": "date-time", "pattern": DATE_TIME_PATTERN}
DATE_TIME_WORDS = (
    "RFC 3339 with its offset (2026-11-26T10:00:00Z), from 1900 on (as written) and at most "
    "24 hours ahead of the Connector's clock; a field error otherwise."
)
COUNTRY: Schema = {"type": "string", "maxLength": 2, "pattern": COUNTRY_PATTERN}
UUID: Schema = {"type": "string", "format": "uuid"}
PAGE_CURSOR: Schema = {"type": "string", "format": "page-cursor"}
FEED_CURSOR: Schema = {"type": "string", "format": "feed-cursor"}
HTTPS_URL: Schema = {"type": "string", "format": "uri", "maxLength": 500, "pattern": "^https://"}


def ref_rules(name_field: str, name_schema: Schema) -> Schema:
    """A reference names its record by external_id, or by `name_field`."""
    return {
        "anyOf": [
            {"required": ["external_id"], "properties": {"external_id": EXTERNAL_ID}},
            {"required": [name_field], "properties": {name_field: name_schema}},
        ],
    }


IDENTITY_RULES: Schema = {
    "anyOf": [
        {"required": ["email"], "properties": {"email": EMAIL}},
        {"required": ["phone"], "properties": {"phone": PHONE}},
        {
            "required": ["first_name", "last_name"],
            "properties": {"first_name": nonblank(100), "last_name": nonblank(100)},
        },
    ],
}
