"""The people matching core: every rule of product.md §3a and every trap, without a database."""

from __future__ import annotations

import datetime as dt

from mappings.matching.people import (
    NEW,
    Person,
    PersonFixed,
    match_people,
    person_keys,
)
from mappings.matching.shared import MATCHED, NEEDS_REVIEW

D = dt.date


def decide(existing, incoming, **options):
    return {d.incoming_id: d for d in match_people(existing=existing, incoming=incoming, **options)}


def test_same_name_and_email_is_certain_whatever_the_case_and_spacing():
    out = decide(
        [Person("x", "Ana", "López", "ana@example.com")],
        [Person("a", " ANA ", "LOPEZ", " Ana@Example.COM ")],
    )
    assert (out["a"].status, out["a"].existing_id) == (MATCHED, "x")
    assert out["a"].reason == "same full name; same email"
    assert out["a"].method == "name+email"


def test_phones_are_compared_in_e164():
    for written in ("0044 7911 123456", "07911 123456", "+44 (0)7911 123456"):
        out = decide(
            [Person("x", "Ana", "Berg", phone="+447911123456")],
            [Person("a", "Ana", "Berg", phone=written)],
            region="GB",
        )
        assert (out["a"].status, out["a"].reason) == (MATCHED, "same full name; same phone")


def test_nicknames_and_swapped_names_are_the_same_name():
    existing = [
        Person("x", "Robert", "Smith", "bob@x.com"),
        Person("y", "Anna", "Kowalski", "ak@x.com"),
    ]
    out = decide(
        existing,
        [Person("a", "Bob", "Smith", "bob@x.com"), Person("b", "Kowalski", "Anna", "ak@x.com")],
    )
    assert (out["a"].status, out["a"].method) == (MATCHED, "nickname+email")
    assert (out["b"].status, out["b"].existing_id) == (MATCHED, "y")


def test_a_different_birth_date_is_a_conflict():
    out = decide(
        [Person("x", "John", "Smith", "js@x.com", birth_date=D(1970, 1, 1))],
        [Person("a", "John", "Smith", "js@x.com", birth_date=D(2008, 5, 5))],
    )
    assert out["a"].status != MATCHED
    assert "different birth dates" in out["a"].reason


def test_a_junior_with_the_parents_name_email_and_phone_is_not_merged():
    existing = [Person("dad", "John", "Smith", "smiths@x.com", "2125550100", D(1970, 1, 1))]
    out = decide(existing, [Person("jr", "John", "Smith Jr", "smiths@x.com", "2125550100")])
    assert out["jr"].status == NEEDS_REVIEW
    assert "Jr / Sr differ" in out["jr"].reason


def test_a_young_adult_with_a_parents_name_and_contacts_needs_both_birth_dates():
    """Under 21, an email and phone no one else has are still often a parent's: a junior of
    the parent's name, dated on one side only, is for a person to decide; at 30 it links."""
    today = D(2026, 12, 2)
    parent = [Person("dad", "James", "Wagner", "wagnerfamily@x.com", "2125550100")]
    junior = Person("jr", "James", "Wagner", "wagnerfamily@x.com", "2125550100", D(2007, 9, 11))
    out = decide(parent, [junior], today=today)
    assert (out["jr"].status, out["jr"].existing_id) == (NEEDS_REVIEW, "dad")
    adult = Person("a", "James", "Wagner", "wagnerfamily@x.com", "2125550100", D(1996, 9, 11))
    assert decide(parent, [adult], today=today)["a"].status == MATCHED
    dated = [Person("dad", "James", "Wagner", "wagnerfamily@x.com", "2125550100", D(2007, 9, 11))]
    assert decide(dated, [junior], today=today)["jr"].status == MATCHED  # both dated, the same


def test_a_family_address_with_the_same_name_needs_the_birth_date():
    family = [
        Person("mom", "Mary", "Smith", "smiths@x.com", "2125550100", D(1972, 5, 6)),
        Person("dad", "John", "Smith", "smiths@x.com", "2125550100"),
    ]
    incoming = [
        Person("a", "Mary", "Smith", "smiths@x.com", birth_date=D(1972, 5, 6)),
        Person("b", "John", "Smith", "smiths@x.com"),
        Person("c", "Peter", "Smith", "smiths@x.com", "2125550100"),
    ]
    out = decide(family, incoming)
    assert (out["a"].status, out["a"].existing_id) == (MATCHED, "mom")
    assert (out["b"].status, out["b"].existing_id) == (NEEDS_REVIEW, "dad")
    assert out["c"].status == NEW  # a shared email and phone never link on their own


def test_a_name_alone_never_links():
    out = decide([Person("x", "Anna", "Berg", "anna@x.com")], [Person("a", "Anna", "Berg")])
    assert (out["a"].status, out["a"].existing_id) == (NEEDS_REVIEW, "x")


def test_an_address_used_by_many_records_says_nothing():
    desk = [Person(f"x{i}", f"P{i}", "Q", "desk@club.com") for i in range(6)]
    desk.append(Person("anna", "Anna", "Berg", "desk@club.com"))
    out = decide(desk, [Person("a", "Anna", "Berg", "desk@club.com")])
    assert out["a"].status == NEEDS_REVIEW
    assert "used by 7 records" in out["a"].reason


def test_two_candidates_go_to_review_best_first():
    existing = [
        Person("x1", "Anna", "Berg", "anna@x.com", birth_date=D(1990, 1, 2)),
        Person("x2", "Anna", "Berg", "anna@x.com"),
    ]
    out = decide(existing, [Person("a", "Anna", "Berg", "anna@x.com")])
    assert out["a"].status == NEEDS_REVIEW
    assert {c.existing_id for c in out["a"].candidates} == {"x1", "x2"}
    assert "2 people agree" in out["a"].reason


def test_among_several_the_only_one_with_the_birth_date_is_linked():
    # "mom" was born another year; "old", with no birth date, is her entered again, or not her.
    existing = [
        Person("mom", "Sharon", "Allen", "allens@x.com", birth_date=D(1970, 1, 2)),
        Person("kid", "Sharon", "Allen", "allens@x.com", birth_date=D(2009, 1, 9)),
        Person("old", "Sharon", "Allen", "allens@x.com"),
    ]
    incoming = [Person("a", "SHARON", "ALLEN", "allens@x.com", birth_date=D(2009, 1, 9))]
    out = decide(existing, incoming)
    assert (out["a"].status, out["a"].existing_id) == (MATCHED, "kid")
    assert out["a"].reason.endswith("the only one with that birth date")


def test_one_person_entered_twice_among_the_existing_is_one_candidate():
    existing = [
        Person("x1", "Melissa", "Jones", "mj@x.com", "4156168899", D(1991, 1, 8)),
        Person("x2", "Melissa", "Jones", "", "(415) 616-8899", D(1991, 1, 8)),
    ]
    incoming = [Person("a", "Melissa", "Jones", "mj@x.com", "415 616 8899", D(1991, 1, 8))]
    out = decide(existing, incoming)
    assert (out["a"].status, out["a"].existing_id) == (MATCHED, "x1")
    assert out["a"].reason.endswith("also entered as x2")


def test_likely_ones_are_reviewed_with_a_reason_in_plain_words():
    existing = [Person("x", "Laura", "Davis", "laura@x.com", "+13125550101", D(1988, 4, 8))]
    incoming = [
        Person("married", "Laura", "Roberts", "lr@y.com", "312-555-0101", D(1988, 4, 8)),
        Person("typo", "Lauar", "Davis", "laura@x.com"),
        Person("swap", "Laura", "Davis", birth_date=D(1988, 8, 4)),
    ]
    out = decide(existing, incoming)
    assert out["married"].status == NEEDS_REVIEW
    assert out["married"].reason == (
        "same first name, different last names; different emails; same phone; same birth date"
    )
    assert out["typo"].status == NEEDS_REVIEW and "typo" in out["typo"].reason
    assert "day and month swapped" in out["swap"].reason


def test_nobody_like_it_is_new():
    out = decide(
        [Person("x", "Anna", "Berg", "anna@x.com")], [Person("a", "Carl", "Dahl", "c@y.com")]
    )
    assert (out["a"].status, out["a"].existing_id, out["a"].candidates) == (NEW, None, ())


def test_a_person_entered_twice_in_one_run_is_reviewed():
    out = decide(
        [], [Person("a", "Zed", "Nobody", "zed@x.com"), Person("b", "ZED", "NOBODY", "zed@x.com")]
    )
    assert out["a"].status == NEW
    assert (out["b"].status, out["b"].same_as_incoming, out["b"].existing_id) == (
        NEEDS_REVIEW,
        "a",
        None,
    )


def test_two_incoming_records_certain_for_one_person_must_be_one_person():
    existing = [Person("dad", "John", "Smith", "john@x.com")]
    incoming = [
        Person("a", "John", "Smith", "john@x.com", birth_date=D(1970, 1, 1)),
        Person("b", "John", "Smith", "john@x.com", birth_date=D(2009, 6, 1)),
    ]
    out = decide(existing, incoming)
    assert out["a"].status == NEEDS_REVIEW and out["b"].status == NEEDS_REVIEW
    # Entered twice, birth date and all: both are that person.
    born = D(1970, 1, 1)
    twice = [Person("c", "John", "Smith", "john@x.com", birth_date=born)]
    twice.append(Person("d", "JOHN", "SMITH", "John@x.com", birth_date=born))
    out = decide([Person("dad", "John", "Smith", "john@x.com", birth_date=born)], twice)
    assert out["c"].status == MATCHED and out["d"].status == MATCHED
    # Without it, two records of one name and address may be a parent and a junior.
    out = decide(
        existing,
        [Person("e", "John", "Smith", "john@x.com"), Person("f", "John", "Smith", "john@x.com")],
    )
    assert out["e"].status == NEEDS_REVIEW


def test_decisions_of_people_are_kept_and_pairs_kept_apart_stay_apart():
    existing = [Person("x", "Anna", "Berg", "anna@x.com"), Person("y", "Anna", "Berg", "ab@y.com")]
    incoming = [
        Person("a", "Anna", "Berg", "anna@x.com"),
        Person("b", "Anna", "Berg", "anna@x.com"),
    ]
    fixed = [PersonFixed("a", NEW, reason="a different person, said support")]
    out = decide(existing, incoming, fixed=fixed, apart=[("b", "x")])
    assert (out["a"].status, out["a"].confirmed, out["a"].reason) == (
        NEW,
        True,
        "a different person, said support",
    )
    assert out["b"].existing_id != "x"
    assert all(c.existing_id != "x" for c in out["b"].candidates)


def test_candidates_found_by_key_lookups_decide_as_the_full_list_would():
    # The ingest looks up only the candidates sharing a key, and counts the whole client's
    # holders of each key: the front desk's address is on 40 records.
    candidates = [Person("x", "Anna", "Berg", "desk@club.com")]
    keys = person_keys(Person("a", "Anna", "Berg", "desk@club.com"))
    out = decide(
        candidates, [Person("a", "Anna", "Berg", "desk@club.com")], counts={"e:" + keys.email: 40}
    )
    assert out["a"].status == NEEDS_REVIEW
    assert "used by 40 records" in out["a"].reason


def test_blocking_keys_of_one_person():
    keys = person_keys(
        Person("a", "Bob", "Smith", " Bob@X.com ", "(212) 555-0100", D(1990, 4, 1)), region="US"
    )
    assert (keys.email, keys.phone) == ("bob@x.com", "+12125550100")
    assert "n:bob smith" in keys.names and "r:robert smith" in keys.names
    assert "n:robert smith" in keys.lookups  # Bob looks Robert up
    assert "b:1990-04-01 smith" in keys.names
    assert "b:1990-01-04 smith" in keys.lookups  # day and month swapped
    assert "n:smith bob" in keys.lookups  # swapped names


def test_a_typo_with_the_same_email_and_birth_date_is_certain_a_spouse_is_not():
    born = D(1984, 3, 9)
    existing = [Person("x", "Mark", "Smith", "smiths@example.com", birth_date=born)]
    out = decide(existing, [
        Person("a", "Mrak", "Smith", "smiths@example.com", birth_date=born),  # a typo
        Person("b", "Mary", "Smith", "smiths@example.com", birth_date=D(1986, 7, 1)),  # a spouse
        Person("c", "Mrak", "Smith", "smiths@example.com"),  # no birth date to confirm
    ])
    assert (out["a"].status, out["a"].existing_id) == (MATCHED, "x")
    assert out["b"].status != MATCHED and out["c"].status == NEEDS_REVIEW


def test_a_married_name_links_only_with_an_address_no_one_else_has_and_the_birth_date():
    born = D(1990, 5, 20)
    existing = [
        Person("x", "Laura", "Brown", "laura.b@example.com", "+12125550100", born),
        Person("y", "Tom", "Brown", "family@example.com", birth_date=D(1988, 1, 2)),
        Person("z", "Laura", "Brown", "family@example.com", birth_date=born),
    ]
    out = decide(existing, [
        Person("a", "Laura", "Evans", "laura.b@example.com", birth_date=born),
        Person("b", "Laura", "Evans", "family@example.com", birth_date=born),
    ])
    assert (out["a"].status, out["a"].existing_id) == (MATCHED, "x")
    assert out["b"].status == NEEDS_REVIEW  # a family's address: a person decides


def test_the_same_distinctive_mailbox_at_another_provider_with_the_birth_date_is_certain():
    born = D(1975, 11, 30)
    existing = [
        Person("x", "Jose", "Garcia", "jose48@gmail.com", birth_date=born),
        Person("y", "John", "Smith", "john.smith@gmail.com", birth_date=born),
    ]
    out = decide(existing, [
        Person("a", "José", "García", "jose48@gmx.de", birth_date=born),
        Person("b", "John", "Smith", "john.smith@yahoo.com", birth_date=born),  # name-made
    ])
    assert (out["a"].status, out["a"].existing_id) == (MATCHED, "x")
    assert out["b"].status == NEEDS_REVIEW
