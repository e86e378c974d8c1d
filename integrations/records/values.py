"""Checking and normalizing one value of a partner body (partner-api.md, "Prospect body").

Plain functions rather than DRF fields: a 500-record batch must validate in milliseconds, and
every bad field of every record is listed at once. Each takes the value, the field's path in
the body (for the error) and the request's error list, and returns the normalized value; a
problem is appended to the list (the value is then None, or `MISSING` where the stored value
must stay as it is). The record's fields (`integrations.models.fields`) and the rosters call
them; `integrations.records.normalize` puts a whole record together.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

FieldError = dict[str, str]
Normalizer = Callable[[Any, str, list[FieldError]], Any]

EXTERNAL_ID_MAX = 100
EMAIL_MAX = 254
STAFF_NAME_MAX = 200  # a staff reference's name
LEAD_SOURCE_NAME_MAX = 100
FUTURE_SKEW = dt.timedelta(hours=24)
# The parts of an address and their limits.
ADDRESS_LIMITS = {
    "line1": 200,
    "line2": 200,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "country": 2,
}
MISSING = object()  # "no usable value": the key is left out of the record


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
    value = string_value(value, field, errors, EMAIL_MAX)
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
        return MISSING


def datetime_value(value: Any, field: str, errors: list[FieldError]) -> dt.datetime | object | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not 16 <= len(value) <= 40 or value[10] not in "Tt ":
            raise ValueError
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        errors.append({"field": field, "message": "Must be an ISO 8601 date-time with offset."})
        return MISSING
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if parsed > dt.datetime.now(tz=dt.UTC) + FUTURE_SKEW:
        errors.append({"field": field, "message": "Must not be in the future."})
        return MISSING
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
        "name": lambda v, f, e: string_value(v, f, e, STAFF_NAME_MAX),
    }
    return _reference(value, field, errors, parts, needs="email")


def lead_source_value(value: Any, field: str, errors: list[FieldError]) -> dict | None:
    parts: dict[str, Normalizer] = {
        "name": lambda v, f, e: string_value(v, f, e, LEAD_SOURCE_NAME_MAX)
    }
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
