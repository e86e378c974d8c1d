"""Personal data out of the application logs: a filter every log handler runs.

Log lines carry ids, not people (issue 19). The code logs ids; this filter is the net under it:
an email address or a phone number that reaches a line anyway (a database error's detail
quoting a row, a platform's error message echoing the record) is replaced before the line is
written, in the message and in the exception text alike.
"""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+\d[\d ().-]{7,18}\d")


def redact(text: str) -> str:
    """`text` with email addresses and international phone numbers replaced."""
    return PHONE.sub("<phone>", EMAIL.sub("<email>", text))


def redacted_excerpt(text: str, chars: int) -> str:
    """The start of a text from outside (a platform's error message), `chars` at most, with
    personal data replaced: redacted before it is cut, so no half address is left."""
    text = text.strip()
    if len(text) > chars * 4:  # bounded work for the patterns; the word cut in two goes
        text = text[: chars * 4].rsplit(None, 1)[0]
    return redact(text)[:chars].strip()


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
