"""What names a person in free text (records/mentions.py): pure, no database."""

from __future__ import annotations

import re

import pytest

from integrations.records.mentions import Person, person_mentions

ANA = Person(record_id="01a2-b3", email="ana@example.com", phone="+33612345678",
             first_name="Ana María", last_name="López", last_name_alone=True)


@pytest.mark.parametrize("text", [
    "call 06 12 34 56 78", "+33 6 12 34 56 78", "(0033) 612.345.678", "612345678",
    "ANA@EXAMPLE.COM wrote", "ana maría  lópez", "López, Ana María", "López came by",
    "record 01a2-b3 failed",
])
def test_these_name_her(text):
    assert person_mentions(ANA).named_in(text)


@pytest.mark.parametrize("text", [
    "Ana called", "lópez is lower case", "Lópezes", "order 7612345678", "06 12 34 56 79",
    "anna@example.com",
])
def test_these_do_not(text):
    assert not person_mentions(ANA).named_in(text)


def test_a_last_name_others_bear_is_not_enough_alone():
    shared = person_mentions(Person(**{**ANA.__dict__, "last_name_alone": False}))
    assert not shared.named_in("López came by") and shared.named_in("Ana María López came by")


def test_the_database_pre_selection_finds_every_writing_of_the_phone():
    mentions = person_mentions(ANA)
    [regex] = mentions.regexes
    for text in ("06 12 34 56 78", "+33 6-12-34-56-78", "(6) 12/34/56/78"):
        assert re.search(regex, text)
    assert {"ana@example.com", "López", "01a2-b3"} <= set(mentions.needles)
