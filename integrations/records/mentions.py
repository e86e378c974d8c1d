"""Where free text names a person (erasure scrubs the lines that do; services/erasure.py).

    person_mentions(person) -> Mentions

A pure function of what the record holds. What counts as naming the person:
- the email (any case), the record's id;
- the phone in any writing: international or national, with or without the country code or
  a trunk 0, with spaces, dots, dashes or brackets between the digits;
- the full name, "First Last" or "Last, First", as whole words, any case;
- the last name alone, as a whole word in its own capitals, only when no one else of the club
  bears it (`last_name_alone`): otherwise a line naming "Berg" may be about another Berg, and
  is left alone. A first name alone is never enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

SEP = r"[\s()./-]*"  # what people put between a phone's digits
# The same, for the database's pre-selection: a bracket expression PostgreSQL's regular
# expressions and Python's (SQLite's REGEXP in Django) read alike.
DB_SEP = "[ ()./-]*"


@dataclass(frozen=True)
class Person:
    record_id: str
    email: str = ""
    phone: str = ""  # E.164, as records store it
    first_name: str = ""
    last_name: str = ""
    last_name_alone: bool = False  # nobody else of the club has this last name


@dataclass(frozen=True)
class Mentions:
    """For the database's pre-selection, `needles` (substrings, any case) and `regexes`: a
    text that holds none is not looked at; `pattern`: whether a text names the person
    (checked on each pre-selected one)."""

    needles: tuple[str, ...]
    regexes: tuple[str, ...]
    pattern: re.Pattern[str]

    def named_in(self, *texts: str | None) -> bool:
        return any(text and self.pattern.search(text) for text in texts)


def person_mentions(person: Person) -> Mentions:
    needles = [person.record_id, person.email]
    alternatives = [re.escape(person.record_id)]
    if person.email:
        alternatives.append(re.escape(person.email))
    if person.phone:
        alternatives.append(_phone_pattern(person.phone))
    first, last = person.first_name.strip(), person.last_name.strip()
    if last:
        needles.append(last)
    if first and last:
        alternatives += [rf"\b{_words(first)}\s+{_words(last)}\b",
                         rf"\b{_words(last)},?\s+{_words(first)}\b"]
    if last and person.last_name_alone:
        alternatives.append(rf"(?-i:\b{_words(last)}\b)")
    return Mentions(
        needles=tuple(n for n in needles if n),
        regexes=(DB_SEP.join(phone_parts(person.phone)[1]),) if person.phone else (),
        pattern=re.compile("|".join(alternatives), re.IGNORECASE),
    )


def _words(name: str) -> str:
    return r"\s+".join(re.escape(part) for part in name.split())


def phone_parts(phone: str) -> tuple[str, str]:
    """The country code and the national significant number; ("", digits) when unparseable."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return "", re.sub(r"\D", "", phone)
    return str(number.country_code), phonenumbers.national_significant_number(number)


def _phone_pattern(phone: str) -> str:
    country, national = phone_parts(phone)
    prefix = rf"(?:(?:\+|00){SEP}{country}{SEP}|0{SEP})?" if country else ""
    return rf"(?<!\d){prefix}{SEP.join(national)}(?!\d)"
