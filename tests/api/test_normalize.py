"""The fast paths of normalization give exactly what the full checks give."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.records import values
from integrations.records.values import phone_value, validate_email
from mappings.matching.names import phone_e164

phones = st.from_regex(r"\A\+?1?[2-9][0-9]{9}\Z") | st.text(
    alphabet="0123456789 +-().ext", max_size=30
)


@settings(max_examples=500)
@given(number=phones, region=st.sampled_from(["US", "CA", "GB", "DE", "MX"]))
def test_the_api_takes_a_phone_as_people_matching_reads_it(number, region):
    """One reading of a phone everywhere: what ingest stores is what matching compares."""
    errors: list = []
    stored = phone_value(number, "phone", errors, region)
    expected = phone_e164(number.strip(), region)
    if number.strip() and not expected:
        assert stored is None
        assert errors == [{"field": "phone", "message": "Not a valid phone number."}]
    else:
        assert (stored, errors) == (expected, [])


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("555-1234", None),  # possible, not valid: it was stored as +15551234
        ("+15551234567", None),
        ("+1 212-555-0123 ext. 42", "+12125550123"),
        ("(212) 555-0123", "+12125550123"),
        ("+44 7911 123456", "+447911123456"),
    ],
)
def test_only_valid_numbers_are_taken(value, stored):
    errors: list = []
    assert phone_value(value, "phone", errors, "US") == stored
    assert bool(errors) == (stored is None)


def _verdict(check, value: str) -> bool:
    try:
        check(value)
    except ValidationError:
        return False
    return True


ADDRESSES = [
    "ana@example.com",
    "ana@EXAMPLE.com",
    "ana@localhost",
    "ana@exa_mple.com",
    "ana@-example.com",
    "ana@example",
    "ana@[127.0.0.1]",
    "ana@bücher.de",
    "a..b@example.com",
    "@example.com",
    "ana@",
    "ana@" + "a" * 64 + ".com",
]


@pytest.mark.parametrize("value", ADDRESSES)
def test_the_domain_cache_keeps_djangos_verdict(value):
    for _ in range(2):  # the second time from the cache
        assert _verdict(validate_email, value) == _verdict(django_validate_email, value)


@settings(max_examples=300)
@given(value=st.emails() | st.text(max_size=40).map(lambda t: f"x@{t}"))
def test_the_domain_cache_agrees_with_django_on_any_address(value):
    assert _verdict(validate_email, value) == _verdict(django_validate_email, value)


# The schema's patterns are the checks: what one takes, the other takes (Python's `re.search`,
# as JSON schema validators read a pattern; ECMA-262 reads these the same way).
ids = st.text(max_size=8) | st.from_regex(values.EXTERNAL_ID_PATTERN) | st.sampled_from(
    ["WS", " WS", "WS\n", "a/b", "\u200bx", "x\u00ad", "a\x85b", "é", "A B"]
)


@settings(max_examples=1000)
@given(value=ids)
def test_the_external_id_pattern_is_the_external_id_check(value):
    """The schema's pattern, with its maxLength (100)."""
    in_schema = bool(re.search(values.EXTERNAL_ID_PATTERN, value)) and len(value) <= 100
    assert in_schema == (values.external_id_problem(value) is None)


@settings(max_examples=500)
@given(value=st.text(max_size=6) | st.sampled_from(["\u200b", " \ufeff", "a\x00", "\n"]))
def test_the_text_patterns_are_the_text_checks(value):
    errors: list = []
    taken = values.string_value(value, "f", errors, 100)
    assert bool(re.search(values.TEXT_PATTERN, value)) == (not errors)
    assert bool(re.search(values.NONBLANK_PATTERN, value)) == bool(taken)
    assert bool(re.search(values.BLANK_PATTERN, value)) == (taken == "")


@pytest.mark.parametrize(
    ("value", "taken"),
    [("2024-01-01T10:00:00Z", True), ("1900-01-01T00:00:00+14:00", True),
     ("1899-12-31T23:59:59Z", False), ("2024-01-01T10:00:00Z\n", False),
     ("2024-01-01T10:00:00", False), ("2024-01-01", False)],
)
def test_the_date_time_pattern_says_what_is_taken(value, taken):
    assert bool(re.search(values.DATE_TIME_PATTERN, value)) == taken
    errors: list = []
    values.datetime_value(value, "updated_at", errors)
    assert (not errors) == taken


def test_the_earliest_year_of_the_pattern_is_the_checks():
    year = values.EARLIEST_CHANGE_YEAR
    assert re.search(values.DATE_TIME_PATTERN, f"{year}-01-01T00:00:00Z")
    assert not re.search(values.DATE_TIME_PATTERN, f"{year - 1}-12-31T23:59:59Z")
