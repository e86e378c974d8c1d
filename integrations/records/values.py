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
import unicodedata
import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from mappings.matching.names import phone_e164

FieldError = dict[str, str]
Normalizer = Callable[[Any, str, list[FieldError]], Any]

EXTERNAL_ID_MAX = 100
EMAIL_MAX = 254
STAFF_NAME_MAX = 200  # a staff reference's name
LEAD_SOURCE_NAME_MAX = 100
FUTURE_SKEW = dt.timedelta(hours=24)
# The earliest change time taken (`updated_at`, as written): no record of a club changed
# before 1900, so an earlier time is a placeholder (.NET's 0001-01-01, SQL Server's 1753-01-01)
# that would make every real time look newer; and every time taken stays far from the edges
# of what Python and both databases hold (0001-01-01T00:00+14:00 is a BC date in UTC).
EARLIEST_CHANGE_YEAR = 1900
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


def _trimmed_chars() -> str:
    """What trimming takes off both ends of a string: white space and the Basic Multilingual
    Plane's format characters (Unicode Cf: zero-width space and joiners, the byte-order mark,
    bidirectional marks, the soft hyphen). Format characters beyond it are tags and the like
    that belong to emoji and rare scripts, not stray invisible characters."""
    return "".join(
        ch
        for ch in map(chr, range(0x10000))
        if ch.isspace() or unicodedata.category(ch) == "Cf"
    )


TRIMMED = _trimmed_chars()


def char_class(chars: str) -> str:
    r"""The inside of a regex character class matching `chars` (BMP only), as ranges of
    \uXXXX escapes: a pattern Python and ECMA-262 (OpenAPI's dialect) read alike."""
    codes = sorted(map(ord, set(chars)))
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(rf"\u{a:04x}" + (rf"-\u{b:04x}" if b > a else "") for a, b in ranges)


# The schema's patterns (integrations/api/body_schema.py), which the checks below apply. Each
# ends with `$(?!\n)`: the end of the string in ECMA-262 (OpenAPI's dialect) and in Python,
# whose `$` alone also matches before a final newline ("P1\n" is no external id).
END = r"$(?!\n)"
# NUL. Lone surrogates are not Unicode text either, but no pattern can name them (a JSON
# schema validator's regex engine takes Unicode scalar values only): text_problem refuses them.
_NOT_TEXT = r"\x00"
_CONTROL = r"\x00-\x1f\x7f-\x9f"
_TRIM = char_class(TRIMMED)
TEXT_PATTERN = f"^[^{_NOT_TEXT}]*{END}"
NONBLANK_PATTERN = f"^[^{_NOT_TEXT}]*[^{_TRIM}{_NOT_TEXT}][^{_NOT_TEXT}]*{END}"
BLANK_PATTERN = f"^[{_TRIM}]*{END}"
_ID_END = rf"[^{_TRIM}/{_CONTROL}]"
EXTERNAL_ID_PATTERN = rf"^{_ID_END}(?:[^/{_CONTROL}]*{_ID_END})?{END}"
COUNTRY_PATTERN = f"^(?:[A-Za-z]{{2}}|[{_TRIM}]*){END}"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}" + END
_TIME = r"[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})" + END
# From EARLIEST_CHANGE_YEAR (1900) on, as the schema says it; the check gives its own message.
DATE_TIME_PATTERN = r"^(?:19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}" + _TIME
_DATE = re.compile(DATE_PATTERN)
_DATE_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}" + _TIME)
_CONTROL_CHARS = re.compile(f"[{_CONTROL}]")


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
    """A string of at most `limit` characters as sent, trimmed (`TRIMMED`)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append({"field": field, "message": "Must be a string."})
        return None
    problem = text_problem(value)
    if problem:
        errors.append({"field": field, "message": problem})
        return None
    if len(value) > limit:
        errors.append({"field": field, "message": f"At most {limit} characters."})
        return None
    return value.strip(TRIMMED)


def external_id_problem(value: Any, *, stored: bool = False) -> str | None:
    """Why `value` is not a valid external id, or None: 1-100 characters, no '/' (it could
    never be read back by /{external_id}) or control characters, nothing trimming would take
    off either end (' WS ' would be another id than 'WS'): EXTERNAL_ID_PATTERN.

    `stored`: only what any stored id meets (1-100 characters of text), for reading and
    erasing a record by an id stored before the rule."""
    if not isinstance(value, str):
        return "Must be a string."
    if not value:
        return "Must not be empty."
    if len(value) > EXTERNAL_ID_MAX:
        return f"At most {EXTERNAL_ID_MAX} characters."
    problem = text_problem(value)
    if problem or stored:
        return problem
    if value.strip(TRIMMED) != value:
        return "Must not begin or end with spaces or invisible characters."
    if "/" in value:
        return "Must not contain '/'."
    if _CONTROL_CHARS.search(value):
        return "Must not contain control characters."
    return None


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


def phone_value(value: Any, field: str, errors: list[FieldError], region: str) -> str | None:
    """A valid phone number in E.164, as people matching reads it (`phone_e164`: a number
    without a country code in `region`; an extension is read, and left out: E.164 has none)."""
    value = string_value(value, field, errors, 50)
    if not value:
        return value
    number = phone_e164(value, region)
    if not number:
        errors.append({"field": field, "message": "Not a valid phone number."})
        return None
    return number


def date_value(value: Any, field: str, errors: list[FieldError]) -> dt.date | object | None:
    """A date, YYYY-MM-DD: any from 0001-01-01 to 9999-12-31, which both databases store."""
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append({"field": field, "message": "Must be a date, YYYY-MM-DD."})
        return MISSING


def datetime_value(value: Any, field: str, errors: list[FieldError]) -> dt.datetime | object | None:
    """An RFC 3339 date-time with its offset, from EARLIEST_CHANGE_YEAR (as written) to
    FUTURE_SKEW from now."""
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
            raise ValueError
        parsed = dt.datetime.fromisoformat(value.upper())
    except ValueError:
        errors.append({"field": field, "message": "Must be an ISO 8601 date-time with offset."})
        return MISSING
    if parsed.year < EARLIEST_CHANGE_YEAR:
        errors.append({"field": field, "message": f"Must be from {EARLIEST_CHANGE_YEAR} on."})
        return MISSING
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
        if not re.fullmatch("[A-Za-z]{2}", country):
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
