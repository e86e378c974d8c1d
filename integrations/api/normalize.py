"""Validation and normalization of partner records (partner-api.md, "Prospect body").

Plain functions rather than DRF fields: a 500-record batch must validate in milliseconds
(issue 3, Performance), and every bad field of every record is listed at once. The DRF
serializers in `serializers.py` describe the same body for the OpenAPI schema and call these.

`record_normalize` returns the record with only the keys the body gave (a key left out keeps
its stored value; `null` or `""` clears it), and the list of `{"field", "message"}` errors.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from integrations.models.choices import Gender, MemberStatus

FieldError = dict[str, str]
Normalizer = Callable[[Any, str, list[FieldError]], Any]

EXTERNAL_ID_MAX = 100
FUTURE_SKEW = dt.timedelta(hours=24)
NAME_LIMITS = {"first_name": 100, "last_name": 100}
ADDRESS_LIMITS = {
    "line1": 200,
    "line2": 200,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "country": 2,
}
_MISSING = object()


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text (NUL characters, lone surrogates), or None."""
    if "\x00" in value:
        return "Must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text."
    return None


def string_value(value: Any, field: str, errors: list[FieldError], limit: int) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append({"field": field, "message": "Must be a string."})
        return None
    value = value.strip()
    problem = text_problem(value)
    if problem:
        errors.append({"field": field, "message": problem})
        return None
    if len(value) > limit:
        errors.append({"field": field, "message": f"At most {limit} characters."})
        return None
    return value


def external_id_problem(value: Any) -> str | None:
    """Why `value` is not a valid external id (a string of 1-100 characters), or None."""
    if not isinstance(value, str):
        return "Must be a string."
    if not value.strip():
        return "Must not be empty."
    if len(value) > EXTERNAL_ID_MAX:
        return f"At most {EXTERNAL_ID_MAX} characters."
    return text_problem(value)


def external_id_value(value: Any, field: str, errors: list[FieldError]) -> str | None:
    problem = external_id_problem(value)
    if problem:
        errors.append({"field": field, "message": problem})
        return None
    return value


@functools.lru_cache(maxsize=4096)
def _domain_valid(domain_part: str) -> bool:
    return EmailValidator().validate_domain_part(domain_part)


class _EmailValidator(EmailValidator):
    """Django's email check, remembering its verdict on each domain: a batch's addresses
    share a handful of domains, and the domain regex is most of the check's cost. The user
    part's regex is Django's own, compiled here rather than behind a lazy object."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)

    def validate_domain_part(self, domain_part: str) -> bool:
        return _domain_valid(domain_part)


validate_email = _EmailValidator()


def email_value(value: Any, field: str, errors: list[FieldError]) -> str | None:
    value = string_value(value, field, errors, 254)
    if not value:
        return value
    value = value.lower()
    try:
        validate_email(value)
    except ValidationError:
        errors.append({"field": field, "message": "Enter a valid email address."})
        return None
    return value


# Already E.164 and in the North American Numbering Plan (+1, an area code that starts with
# 2-9, 10 digits): parsing gives the same string back (test_normalize.py proves it against
# phonenumbers), at a tenth of the cost.
NANP_E164 = re.compile(r"\+1[2-9]\d{9}")


def phone_value(value: Any, field: str, errors: list[FieldError], region: str) -> str | None:
    value = string_value(value, field, errors, 50)
    if not value:
        return value
    if NANP_E164.fullmatch(value):
        return value
    number, problem = phone_parsed(value, region)
    if problem:
        errors.append({"field": field, "message": problem})
    return number


def phone_parsed(value: str, region: str) -> tuple[str | None, str | None]:
    """`value` in E.164 by phonenumbers, and None; or None and what is wrong with it."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None, "Not a phone number."
    if not phonenumbers.is_possible_number(number):
        return None, "Not a possible phone number."
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def date_value(value: Any, field: str, errors: list[FieldError]) -> dt.date | object | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append({"field": field, "message": "Must be a date, YYYY-MM-DD."})
        return _MISSING


def datetime_value(value: Any, field: str, errors: list[FieldError]) -> dt.datetime | object | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not 16 <= len(value) <= 40 or value[10] not in "Tt ":
            raise ValueError
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        errors.append({"field": field, "message": "Must be an ISO 8601 date-time with offset."})
        return _MISSING
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if parsed > dt.datetime.now(tz=dt.UTC) + FUTURE_SKEW:
        errors.append({"field": field, "message": "Must not be in the future."})
        return _MISSING
    return parsed


def choice_value(value: Any, field: str, errors: list[FieldError], choices: list[str]) -> Any:
    if value is None or value == "":
        return ""
    if value not in choices:
        errors.append({"field": field, "message": f"Choose one of {', '.join(choices)}."})
        return None
    return value


def address_value(value: Any, field: str, errors: list[FieldError]) -> dict | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append({"field": field, "message": "Must be an object."})
        return None
    address: dict[str, str] = {}
    for key, limit in ADDRESS_LIMITS.items():
        part = string_value(value.get(key), f"{field}.{key}", errors, limit)
        if part:
            address[key] = part
    country = address.get("country")
    if country is not None:
        if len(country) != 2 or not country.isalpha():
            errors.append({"field": f"{field}.country", "message": "Use a 2-letter ISO code."})
        address["country"] = country.upper()
    return address


def _reference(
    value: Any, field: str, errors: list[FieldError], parts: dict[str, Normalizer], needs: str
) -> dict | None:
    """A reference to a record in the sender's system: its external_id, or the `needs` part."""
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.append({"field": field, "message": "Must be an object or null."})
        return None
    before = len(errors)
    ref: dict[str, Any] = {}
    if value.get("external_id") is not None:
        ref["external_id"] = external_id_value(value["external_id"], f"{field}.external_id", errors)
    for name, normalize in parts.items():
        ref[name] = normalize(value.get(name), f"{field}.{name}", errors) or ""
    if not ref.get("external_id") and not ref[needs] and len(errors) == before:
        errors.append(
            {"field": f"{field}.external_id", "message": f"Give external_id or {needs}."}
        )
    return ref


def staff_owner_value(value: Any, field: str, errors: list[FieldError]) -> dict | None:
    parts: dict[str, Normalizer] = {
        "email": email_value,
        "name": lambda v, f, e: string_value(v, f, e, 200),
    }
    return _reference(value, field, errors, parts, needs="email")


def lead_source_value(value: Any, field: str, errors: list[FieldError]) -> dict | None:
    parts: dict[str, Normalizer] = {"name": lambda v, f, e: string_value(v, f, e, 100)}
    return _reference(value, field, errors, parts, needs="name")


def connector_id_value(value: Any, field: str, errors: list[FieldError]) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) != 36:
            raise ValueError
        return uuid.UUID(value)
    except ValueError:
        errors.append({"field": field, "message": "Must be a Connector id (a UUID)."})
        return None


def bool_value(value: Any, field: str, errors: list[FieldError]) -> bool | None:
    if not isinstance(value, bool):
        errors.append({"field": field, "message": "Must be true or false."})
        return None
    return value


def _strings(limits: dict[str, int]) -> dict[str, Normalizer]:
    return {name: functools.partial(string_value, limit=limit) for name, limit in limits.items()}


COMMON_FIELDS: dict[str, Normalizer] = {
    **_strings(NAME_LIMITS),
    "email": email_value,
    "birth_date": date_value,
    "gender": lambda v, f, e: choice_value(v, f, e, Gender.values),
    "address": address_value,
    "notes": lambda v, f, e: string_value(v, f, e, 5000),
    "staff_owner": staff_owner_value,
    "lead_source": lead_source_value,
    "updated_at": datetime_value,
    "connector_id": connector_id_value,
}
MEMBER_FIELDS: dict[str, Normalizer] = {
    **_strings({"membership_number": 50, "membership_type": 100}),
    "status": lambda v, f, e: choice_value(v, f, e, MemberStatus.values),
    "join_date": date_value,
    "end_date": date_value,
    "is_secondary": bool_value,
    "prospect_external_id": lambda v, f, e: None if v is None else external_id_value(v, f, e),
}

ALL_MEMBER_FIELDS = {**COMMON_FIELDS, **MEMBER_FIELDS}


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
    record: dict[str, Any] = {}
    body_id = data.get("external_id", _MISSING)
    if external_id is None:
        record["external_id"] = external_id_value(
            None if body_id is _MISSING else body_id, f"{prefix}external_id", errors
        )
    else:
        if body_id is not _MISSING and body_id != external_id:
            errors.append(
                {"field": f"{prefix}external_id", "message": "Differs from the id in the URL."}
            )
        record["external_id"] = external_id
    fields = COMMON_FIELDS if kind == "prospect" else ALL_MEMBER_FIELDS
    for name, normalize in fields.items():
        if name in data:
            value = normalize(data[name], f"{prefix}{name}", errors)
            if value is not _MISSING:
                record[name] = value
    if "phone" in data:
        country = (record.get("address") or {}).get("country")
        region = country or phone_region or settings.CONNECTOR_DEFAULT_PHONE_REGION
        record["phone"] = phone_value(data["phone"], f"{prefix}phone", errors, region)
    identity_check(record, prefix, errors)
    return record, errors


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
