"""The log handlers' net: emails and phone numbers never reach a written line."""

from __future__ import annotations

import logging

from django.conf import settings

from integrations.logging_redact import RedactPersonalData, redact, redacted_excerpt


def test_emails_and_international_phones_are_replaced():
    assert redact("Key (email)=(ana.lopez+x@example.co.uk) exists; call +1 555-010-7788") == (
        "Key (email)=(<email>) exists; call <phone>"
    )
    assert redact("delivery 42 of integration 7 failed after 3 attempts") == (
        "delivery 42 of integration 7 failed after 3 attempts"
    )


def test_an_excerpt_is_redacted_before_it_is_cut():
    assert redacted_excerpt("  bo@example.com is taken  ", 12) == "<email> is t"
    # A long text is first cut at four times the length: the address cut in two there goes.
    long = "a" * 90 + "@example.com ana.lopez@example.org"
    assert redacted_excerpt(long, 30) == "<email>"


def test_the_filter_cleans_the_message_and_the_exception_text():
    try:
        raise ValueError("duplicate ana@example.com")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "saving %s failed",
                                   ("bo@example.com",), exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    assert RedactPersonalData().filter(record) is True
    assert record.getMessage() == "saving <email> failed"
    assert "ana@example.com" not in record.exc_text and "<email>" in record.exc_text


def test_every_configured_handler_redacts():
    for handler in settings.LOGGING["handlers"].values():
        assert "redact" in handler.get("filters", [])
