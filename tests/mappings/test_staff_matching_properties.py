"""Properties of the matching core that must hold for any rosters (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.matching.names import email_norm, name_of
from mappings.matching.shared import MATCHED, NEEDS_REVIEW, NO_COUNTERPART, Fixed
from mappings.matching.staff import Staff, match_staff

FIRST = ["Anna", "Ann", "Robert", "Bob", "Liz", "Elizabeth", "John", "Jon", "José", "Jose", ""]
LAST = ["Berg", "Smith", "Smyth", "García", "Garcia", "Doe", "O'Brien", "Obrien", ""]
EMAILS = ["", "a@c.se", "A@c.se ", "desk@c.se", "bob@c.se", "jsmith@x.com", "anna.berg7@gmail.com"]


def staff(prefix: str):
    return st.builds(
        Staff,
        id=st.integers(0, 10_000).map(lambda n: f"{prefix}{n}"),
        first_name=st.sampled_from(FIRST),
        last_name=st.sampled_from(LAST),
        email=st.sampled_from(EMAILS),
        active=st.booleans(),
    )


def unique(records):
    return list({r.id: r for r in records}.values())


rosters = st.tuples(
    st.lists(staff("p"), max_size=12).map(unique), st.lists(staff("r"), max_size=12).map(unique)
)


@settings(max_examples=300, deadline=None)
@given(rosters)
def test_never_links_one_person_twice(data):
    directory, remote = data
    decisions = match_staff(directory=directory, remote=remote)
    linked = [d.person_id for d in decisions if d.status == MATCHED]
    assert len(linked) == len(set(linked))
    assert [d.remote_id for d in decisions] == [r.id for r in remote]
    people = {p.id for p in directory}
    for d in decisions:
        assert (d.person_id is None) or d.person_id in people
        assert d.score is None or 0 <= d.score <= 1
        if d.status in (MATCHED, NEEDS_REVIEW):
            assert d.person_id is not None and d.reason


@settings(max_examples=300, deadline=None)
@given(rosters, st.data())
def test_confirmed_mappings_never_change(data, draw):
    directory, remote = data
    if not remote:
        return
    chosen = draw.draw(st.lists(st.sampled_from(remote), unique=True, max_size=len(remote)))
    people = draw.draw(st.permutations([p.id for p in directory]))
    fixed = []
    for i, r in enumerate(chosen):
        if i < len(people):
            fixed.append(Fixed(r.id, MATCHED, person_id=people[i]))
        else:
            fixed.append(Fixed(r.id, NO_COUNTERPART))
    decisions = {
        d.remote_id: d for d in match_staff(directory=directory, remote=remote, fixed=fixed)
    }
    for f in fixed:
        d = decisions[f.remote_id]
        assert (d.status, d.person_id, d.confirmed) == (f.status, f.person_id, True)
    linked = [d.person_id for d in decisions.values() if d.status == MATCHED]
    assert len(linked) == len(set(linked))


def _full_name(record) -> tuple[frozenset[str], str]:
    name = name_of(record.first_name, record.last_name)
    return frozenset(name.keys), name.suffix


def _same_full_name(a, b) -> bool:
    (keys_a, suffix_a), (keys_b, suffix_b) = _full_name(a), _full_name(b)
    return bool(keys_a & keys_b) and suffix_a == suffix_b


@settings(max_examples=300, deadline=None)
@given(rosters)
def test_a_link_by_name_alone_is_one_full_name_on_each_side_and_no_one_elses_email(data):
    directory, remote = data
    people = {p.id: p for p in directory}
    for d in match_staff(directory=directory, remote=remote):
        if d.status != MATCHED or d.method != "name":
            continue
        r, p = next(r for r in remote if r.id == d.remote_id), people[d.person_id]
        assert _same_full_name(r, p)
        assert not any(_same_full_name(r, q) for q in directory if q is not p)
        assert not any(_same_full_name(p, q) for q in remote if q is not r)
        others = {email_norm(q.email) for q in directory if q is not p} - {email_norm(p.email)}
        assert email_norm(r.email) not in others - {""}
