"""Model fields of our own that are not tied to one model: byte-wise text, the record's fields."""

from __future__ import annotations

from typing import Any

from django.db import models

from integrations.records import values
from integrations.records.values import FieldError


class BytewiseMixin:
    """A text column compared byte by byte on PostgreSQL (`COLLATE "C"`).

    For identifiers and addresses, never sorted for people to read: a partner's external id,
    a record kind, an email address. Under the database's linguistic collation every
    comparison in their indexes (a probe, a uniqueness check, each step of an insert) goes
    through the C library's locale-aware comparison; byte order is plain `memcmp`. Equality is
    the same either way (PostgreSQL's deterministic collations break ties byte-wise), so
    uniqueness and lookups mean what they meant. Measured: ~0.4 ms less PostgreSQL for a
    500-record batch's links on this server's C.UTF-8 databases, more under en_US and the like
    (docs/performance.md, "Partner API"). Other databases keep their own collation.
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)  # type: ignore[misc]
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class BytewiseCharField(BytewiseMixin, models.CharField):
    pass


class BytewiseEmailField(BytewiseMixin, models.EmailField):
    pass


class RecordField:
    """A field of the partner record (partner-api.md, "Prospect body"), declared once.

    Its column is the model field; what the partner API does with a body's value is the
    field's too, as Django's own fields drive forms and the admin: `normalize` checks and
    normalizes it (every problem listed, `MISSING` where the stored value stays), `to_json`
    gives its value in change snapshots and answers, `cleared` is what `null` stores. The
    serializers (the OpenAPI schema), ingest, fetch, the renderer and the feed read the
    model's record fields (`integrations.records.shape`): a new field of the record is one
    line on the model (and its migration).
    """

    cleared: Any = ""
    reads_region = False  # normalized after the others, in the country of the record's address

    def normalize(self, value: Any, path: str, errors: list[FieldError], region: str) -> Any:
        """The value to store, or `values.MISSING`; problems go to `errors`. `region`: the
        country a phone number without `+` is read in."""
        return values.string_value(value, path, errors, self.input_limit)

    @property
    def input_limit(self) -> int:
        """The longest value a body may give (before normalizing)."""
        return int(self.max_length or 0)  # type: ignore[attr-defined]

    def to_json(self, value: Any) -> Any:
        return value

    def deconstruct(self) -> Any:
        """As the storage field it is: what the API does with a value is not the schema's
        business, so migrations see the plain column (and no migration for a change here)."""
        name, _, args, kwargs = super().deconstruct()  # type: ignore[misc]
        storage = next(
            base
            for base in type(self).__mro__
            if issubclass(base, models.Field) and not issubclass(base, RecordField)
        )
        path = f"{storage.__module__}.{storage.__qualname__}"
        if path.startswith("django.db.models.fields"):  # as Django spells its own fields
            path = "django.db.models." + storage.__qualname__
        return name, path, args, kwargs


class RecordText(RecordField, models.CharField):
    """A line of text, trimmed; at most `max_length` characters."""


class RecordLongText(RecordField, models.TextField):
    """Free text (notes), trimmed; at most `max_length` characters."""


class RecordEmail(RecordField, BytewiseEmailField):
    """An email address, validated and lower-cased."""

    def normalize(self, value: Any, path: str, errors: list[FieldError], region: str) -> Any:
        return values.email_value(value, path, errors)


class RecordPhone(RecordField, models.CharField):
    """A phone number, stored in E.164; read in the record's country when it has no `+`."""

    reads_region = True
    INPUT_LIMIT = 50  # as typed (spaces, dashes, an extension) before it is normalized

    @property
    def input_limit(self) -> int:
        return self.INPUT_LIMIT

    def normalize(self, value: Any, path: str, errors: list[FieldError], region: str) -> Any:
        return values.phone_value(value, path, errors, region)


class RecordChoice(RecordField, models.CharField):
    """One of the field's choices, or empty."""

    def normalize(self, value: Any, path: str, errors: list[FieldError], region: str) -> Any:
        return values.choice_value(value, path, errors, [value for value, _ in self.choices or ()])


class RecordDate(RecordField, models.DateField):
    """A date, YYYY-MM-DD."""

    cleared = None

    def normalize(self, value: Any, path: str, errors: list[FieldError], region: str) -> Any:
        return values.date_value(value, path, errors)

    def to_json(self, value: Any) -> Any:
        return None if value is None else value.isoformat()


class RecordAddress(RecordField, models.JSONField):
    """A postal address: the parts of `values.ADDRESS_LIMITS`, each trimmed and limited."""

    cleared: Any = {}  # read only: a new row gets its own empty dict (the model default)

    @property
    def input_limit(self) -> int:
        return 0

    def normalize(self, value: Any, path: str, errors: list[FieldError], region: str) -> Any:
        return values.address_value(value, path, errors)


class RecordFlag(RecordField, models.BooleanField):
    """true or false."""

    cleared = False

    @property
    def input_limit(self) -> int:
        return 0

    def normalize(self, value: Any, path: str, errors: list[FieldError], region: str) -> Any:
        return values.bool_value(value, path, errors)
