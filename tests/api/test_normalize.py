"""The fast paths of normalization give exactly what the full checks give."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.records.values import NANP_E164, phone_parsed, phone_value, validate_email

nanp = st.from_regex(r"\A\+1[2-9][0-9]{9}\Z")


@settings(max_examples=500)
@given(number=nanp, region=st.sampled_from(["US", "CA", "GB", "DE", "MX"]))
def test_the_nanp_shortcut_agrees_with_phonenumbers(number, region):
    errors: list = []
    assert NANP_E164.fullmatch(number)
    assert phone_value(number, "phone", errors, region) == phone_parsed(number, region)[0]
    assert errors == []


@pytest.mark.parametrize(
    "value",
    ["+10555123456", "+11555123456", "+1555123456", "+155512345678", "+44 20 7946 0000"],
)
def test_numbers_outside_the_shortcut_take_the_full_path(value):
    assert not NANP_E164.fullmatch(value)
    errors: list = []
    result = phone_value(value, "phone", errors, "US")
    expected, problem = phone_parsed(value, "US")
    assert result == expected
    assert errors == ([{"field": "phone", "message": problem}] if problem else [])


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
