"""Properties of the people matching core that must hold for any records (hypothesis)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.matching.people import NEW, Person, PersonFixed, match_people
from mappings.matching.shared import MATCHED, NEEDS_REVIEW

FIRST = ["John", "Jon", "Bob", "Robert", "Mary", "MARY", "Anna", ""]
LAST = ["Smith", "Smith Jr", "Smyth", "Berg", "berg", ""]
EMAILS = ["", "smiths@x.com", " SMITHS@x.com", "anna@x.com", "desk@club.com", "bob@y.com"]
PHONES = ["", "2125550100", "(212) 555-0100", "+12125550101", "212 555 0199"]
BIRTHS = [None, dt.date(1970, 1, 2), dt.date(1970, 2, 1), dt.date(2008, 5, 5)]


def people(prefix: str):
    return st.builds(
        Person,
        id=st.integers(0, 10_000).map(lambda n: f"{prefix}{n}"),
        first_name=st.sampled_from(FIRST),
        last_name=st.sampled_from(LAST),
        email=st.sampled_from(EMAILS),
        phone=st.sampled_from(PHONES),
        birth_date=st.sampled_from(BIRTHS),
    )


def unique(records):
    return list({r.id: r for r in records}.values())


runs = st.tuples(
    st.lists(people("x"), max_size=10).map(unique), st.lists(people("i"), max_size=10).map(unique)
)


def _alone(existing, person):
    return match_people(existing=existing, incoming=[person])[0]


@settings(max_examples=300, deadline=None)
@given(runs)
def test_two_incoming_records_share_a_person_only_when_it_is_certain_for_both(run):
    existing, incoming = run
    decisions = match_people(existing=existing, incoming=incoming)
    assert [d.incoming_id for d in decisions] == [p.id for p in incoming]
    linked = defaultdict(list)
    for d, p in zip(decisions, incoming, strict=True):
        assert d.status in (MATCHED, NEEDS_REVIEW, NEW)
        if d.status == NEW:
            assert d.existing_id is None and not d.candidates
        elif d.status == MATCHED:
            assert d.existing_id in {x.id for x in existing}
        else:  # review: an existing candidate, or an earlier incoming record of this run
            assert d.existing_id is not None or d.same_as_incoming is not None
            assert d.reason
        if d.status == MATCHED:
            linked[d.existing_id].append(p)
    for person_id, group in linked.items():
        if len(group) > 1:
            # Each would be linked to that person on its own, as certainly.
            for p in group:
                alone = _alone(existing, p)
                assert (alone.status, alone.existing_id) == (MATCHED, person_id)


@settings(max_examples=300, deadline=None)
@given(runs, st.data())
def test_decisions_of_people_never_change(run, draw):
    existing, incoming = run
    if not incoming:
        return
    chosen = draw.draw(st.lists(st.sampled_from(incoming), unique=True, max_size=len(incoming)))
    targets = [p.id for p in existing] + [None]
    fixed = []
    for p in chosen:
        target = draw.draw(st.sampled_from(targets))
        status = MATCHED if target is not None else NEW
        fixed.append(PersonFixed(p.id, status, target, reason="decided by support"))
    decisions = {
        d.incoming_id: d for d in match_people(existing=existing, incoming=incoming, fixed=fixed)
    }
    for f in fixed:
        d = decisions[f.incoming_id]
        assert (d.status, d.existing_id, d.reason, d.confirmed) == (
            f.status,
            f.existing_id,
            f.reason,
            True,
        )
