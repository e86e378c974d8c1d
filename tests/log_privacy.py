"""The suite's check that no person reaches a log line (issue 19), wired in tests/conftest.py.

Every log record of the run is kept as the code wrote it, before the handlers' redaction: the
application's own loggers at every level, the others (Django, gunicorn, django-q's workers...)
from INFO, the level production logs at. The people are every person the tests stored
(prospects, members, staff, users: read after each test that used the database) and the demo's;
at the end of the run each kept line, and each log file the processes the tests started wrote
under the run's temporary directory, is searched for any email address, any international
phone number, any of those people's phones in national writing, and their names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from django.db.models import Model

from integrations.logging_redact import EMAIL, PHONE
from integrations.records.mentions import phone_parts

APP_LOGGERS = ("integrations", "mappings", "connector_portal", "django-q", "django_q")
DIGIT_RUN = re.compile(r"(?<![\w-])\d[\d ().-]{5,}\d(?![\w-])")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
NAME_LETTERS = 4  # shorter names (Ana, Bo) are words in too many lines to tell


class SuiteLog(logging.Handler):
    """Every log line of the run, as the code wrote it (before redaction)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.INFO and record.name.split(".")[0] not in APP_LOGGERS:
            return
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")

    def attach(self) -> None:
        logging.getLogger().addHandler(self)
        for name in APP_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)


class People:
    """The names and phones of the people the tests stored (emails are found by shape)."""

    def __init__(self, *, accounts: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.phones: set[str] = set()  # digits, in every national and international writing
        # Shared logins that belong to no one (the demo's, which `make run` prints).
        self.accounts = set(accounts)

    def note(self, *, first_name: str = "", last_name: str = "", phone: str = "",
             **_: object) -> None:
        for name in (first_name, last_name):
            self.names.update(w for w in WORD.findall(name or "") if len(w) >= NAME_LETTERS)
        if phone:
            country, national = phone_parts(phone)
            if len(national) >= 7:
                self.phones |= {national, "0" + national, country + national,
                                "00" + country + national}

    def note_stored(self) -> None:
        """Every person now in the test database."""
        from django.contrib.auth import get_user_model

        from integrations.models import Member, Prospect
        from mappings.models import RemoteStaff, StaffPerson

        models: list[type[Model]] = [Prospect, Member, RemoteStaff, StaffPerson, get_user_model()]
        for model in models:
            fields = [f.name for f in model._meta.fields
                      if f.name in ("first_name", "last_name", "phone")]
            if fields:
                for row in model._base_manager.values(*fields):
                    self.note(**row)

    def found_in(self, line: str) -> str:
        """What of a person `line` holds ("" when nothing)."""
        emails = (m.group() for m in EMAIL.finditer(line))
        if email := next((e for e in emails if e not in self.accounts), ""):
            return email
        if match := PHONE.search(line):
            return match.group()
        for run in DIGIT_RUN.findall(line):
            if re.sub(r"\D", "", run) in self.phones:
                return run
        return next((word for word in WORD.findall(line) if word in self.names), "")


def leaks(lines: Iterable[str], people: People, where: str) -> list[str]:
    found = []
    for line in lines:
        if what := people.found_in(line):
            found.append(f"{where}: {what!r} in {line[:300]!r}")
    return found


def log_file_leaks(directory: Path, people: People) -> list[str]:
    """What of a person the log files under `directory` hold (the processes tests started)."""
    found = []
    for path in sorted(directory.rglob("*.log")):
        text = path.read_text(encoding="utf-8", errors="replace")
        found += leaks(text.splitlines(), people, str(path.relative_to(directory)))
    return found
