"""Phones compared in E.164: the fast path agrees with phonenumbers, every format is read."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.matching.names import email_norm, phone_e164


def _by_phonenumbers(text: str, region: str) -> str:
    number = phonenumbers.parse(text, region)
    assert phonenumbers.is_possible_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


nanp = st.from_regex(r"\A[2-9][0-9]{9}\Z")
shapes = st.sampled_from(["{}", "1{}", "+1{}", "({0}) {1}-{2}", "1-{0}-{1}-{2}", "{0}.{1}.{2}"])


@settings(max_examples=300)
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
        ("07700 900123", "GB", "+447700900123"),
        ("0044 7700 900123", "GB", "+447700900123"),
        ("+44 (0)7700 900123", "GB", "+447700900123"),
        ("0171 1234567", "DE", "+491711234567"),
        ("070-123 45 67", "SE", "+46701234567"),
        ("", "US", ""),
        ("call me", "US", ""),
        ("12", "US", ""),
    ],
)
def test_every_format_gives_e164(text, region, e164):
    assert phone_e164(text, region) == e164


def test_emails_are_trimmed_and_case_folded():
    assert email_norm("  Anna.Berg@Club.SE ") == "anna.berg@club.se"
    assert email_norm("no-at-sign") == ""
