"""Phones compared in E.164: the fast path agrees with phonenumbers, every format is read,
and only valid numbers count (the partner API takes the same: integrations/records/values)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.matching.names import email_norm, phone_e164


def _by_phonenumbers(text: str, region: str) -> str:
    number = phonenumbers.parse(text, region)
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


nanp = st.from_regex(r"\A[2-9][0-9]{9}\Z")
shapes = st.sampled_from(["{}", "1{}", "+1{}", "({0}) {1}-{2}", "1-{0}-{1}-{2}", "{0}.{1}.{2}"])


@settings(max_examples=1000)
@given(digits=nanp, shape=shapes, region=st.sampled_from(["US", "CA"]))
def test_the_nanp_shortcut_agrees_with_phonenumbers(digits, shape, region):
    text = shape.format(digits[:3], digits[3:6], digits[6:]) if "{0}" in shape else shape.format(
        digits
    )
    assert phone_e164(text, region) == _by_phonenumbers(text, region)


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("(212) 555-0123", "US", "+12125550123"),
        ("+1 212 555 0123", "GB", "+12125550123"),
        ("001 212 555 0123", "US", "+12125550123"),
        ("07911 123456", "GB", "+447911123456"),
        ("0044 7911 123456", "GB", "+447911123456"),
        ("+44 (0)7911 123456", "GB", "+447911123456"),
        ("0171 1234567", "DE", "+491711234567"),
        ("070-123 45 67", "SE", "+46701234567"),
        ("", "US", ""),
        ("call me", "US", ""),
        ("12", "US", ""),
        ("555-1234", "US", ""),  # a possible number, not a valid one
        ("+1 555 123 4567", "US", ""),  # no such area code
        ("+44 7700 900123", "GB", ""),  # the range kept for drama
        ("+1 212-555-0123 ext. 42", "US", "+12125550123"),  # E.164 has no extension
        ("+1 416 555 0123", "US", "+14165550123"),  # Canada: valid in the plan, not the US
    ],
)
def test_every_format_gives_e164(text, region, e164):
    assert phone_e164(text, region) == e164


def test_emails_are_trimmed_and_case_folded():
    assert email_norm("  Anna.Berg@Club.SE ") == "anna.berg@club.se"
    assert email_norm("no-at-sign") == ""
