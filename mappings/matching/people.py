"""The people matching core (product.md §3a): incoming prospects / members against the people
the client already has. Rows in, decisions out; no ORM.

- **Certain** (matched): the same person by name (the same normalized full name, a nickname,
  or first and last names swapped) *and* by email or phone, one candidate, nothing
  conflicting (a different birth date, Jr against Sr).
- **Likely** (needs review): some evidence but not enough, or more than one candidate: the
  best candidate first, with a score and a reason in plain words.
- Otherwise **new**.

A shared email or phone (families), a name alone (namesakes) and an address used by many
records (a front desk's email, the club's phone) never link on their own: an email or phone
held by more than `MANY` records says nothing, one held by a few (a family) counts only when
the name picks one of them. Emails are compared trimmed and case-folded, phones in E.164.

Candidates come from blocking keys (`person_keys`: email, E.164 phone, name keys: full name,
nickname root + surname, birth date + surname or given name), never from all pairs. The
existing people may be only the candidates an ingest found by looking those keys up; how
many existing records share a key then comes from `counts` (the whole client's), so the
decision is the one the full list would give. Incoming records are also compared with each
other: one entered twice in the same run goes to review, pointing at the first.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from mappings.matching.names import (
    Name,
    email_local_key,
    email_norm,
    fold,
    name_email_keys,
    name_of,
    name_roots,
    phone_e164,
    sound,
)
from mappings.matching.shared import (
    MATCHED,
    NEEDS_REVIEW,
    first_relation,
    gc_paused,
    join_reasons,
    last_relation,
    name_evidence,
)

NEW = "new"
MANY = 5  # an email or phone on more records than this is a desk's or a club's, not a person's
LIKELY = 0.5  # the lowest score shown for review
COMMON_NAME = 8  # a name shared by more records than this finds no one by the name alone
CANDIDATES = 3  # how many candidates a decision lists for review
YOUNG_YEARS = 21  # under this age, a contact alone (even one no one else has) is not proof


@dataclass(frozen=True, slots=True)
class Person:
    """One prospect or member, of the existing people or the incoming ones."""

    id: Hashable
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    birth_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    existing_id: Hashable
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class PersonDecision:
    """What matching says about one incoming record: existing_id is the link or the top
    candidate; same_as_incoming names an earlier incoming record of the same person."""

    incoming_id: Hashable
    status: str  # matched | needs_review | new
    existing_id: Hashable | None = None
    score: float | None = None
    method: str = ""
    reason: str = ""
    candidates: tuple[Candidate, ...] = ()
    confirmed: bool = False
    same_as_incoming: Hashable | None = None


@dataclass(frozen=True, slots=True)
class PersonFixed:
    """A decision a person made about one incoming record: matching returns it unchanged."""

    incoming_id: Hashable
    status: str
    existing_id: Hashable | None = None
    method: str = "manual"
    score: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PersonKeys:
    """A person's normalized blocking keys: what an ingest stores in indexed columns and
    looks candidates up by (`lookups`: the stored ones plus swapped names and dates)."""

    email: str
    phone: str
    names: tuple[str, ...]
    lookups: tuple[str, ...]


def swapped_birth(day: dt.date | None) -> dt.date | None:
    """The date with day and month swapped, where that is another date ('' otherwise)."""
    if day is None or day.day > 12 or day.day == day.month:
        return None
    return day.replace(month=day.day, day=day.month)


@lru_cache(maxsize=65536)
def _name_only_keys(name: Name) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stored, looked up) name keys: the full name, and for a nickname the formal names it
    may stand for + surname; a name looks up its formal names' full names and its own
    'r:' key, so Bob finds Robert, Robert finds Bob, and Bobby finds Bob (cached)."""
    stored = ["n:" + k for k in name.keys]
    extra: list[str] = []
    if name.key:
        roots = name_roots(name.given) - {name.given}
        stored.extend(f"r:{root} {name.surname}" for root in roots)
        extra.extend(f"n:{root} {name.surname}" for root in roots)
        extra.append(f"r:{name.given} {name.surname}")
    return tuple(stored), tuple(extra)


def _birth_keys(name: Name, birth: dt.date | None) -> tuple[str, ...]:
    if birth is None:
        return ()
    iso = birth.isoformat()
    if name.surname and name.given:
        return (f"b:{iso} {name.surname}", f"b:{iso} {name.given}")
    return tuple(f"b:{iso} {part}" for part in (name.surname, name.given) if part)


def person_keys(person: Person, *, region: str = "US", lookups: bool = True) -> PersonKeys:
    """The blocking keys of one person (normalized email, E.164 phone, name keys);
    `lookups` also the keys to look its candidates up by (swapped names and dates)."""
    name = name_of(person.first_name, person.last_name)
    email = email_norm(person.email)
    phone = phone_e164(person.phone, region) if person.phone else ""
    stored, extra = _name_only_keys(name)
    names = stored + _birth_keys(name, person.birth_date)
    contact: tuple[str, ...] = ()
    if email:
        contact = ("e:" + email,)
    if phone:
        contact += ("p:" + phone,)
    found = contact + names
    if lookups:
        found += extra
        if name.key:
            found += (f"n:{name.surname} {name.given}",)
        found += _birth_keys(name, swapped_birth(person.birth_date))
    return PersonKeys(email, phone, names, found)


@dataclass(slots=True)
class _Rec:
    person: Person
    name: Name
    keys: PersonKeys
    stored: tuple[str, ...]  # the keys others find it by: contact and name keys
    head: int  # how many of the keys are contact keys (they come first)


def _prep(person: Person, region: str, *, incoming: bool) -> _Rec:
    keys = person_keys(person, region=region, lookups=incoming)
    head = bool(keys.email) + bool(keys.phone)
    stored = keys.lookups[: head + len(keys.names)]
    return _Rec(person, name_of(person.first_name, person.last_name), keys, stored, head)


@dataclass(frozen=True, slots=True)
class _Pair:
    score: float
    certain: bool
    near: bool  # same name and contact, nothing conflicting: a candidate the others compete with
    parts: tuple[tuple, ...]  # name, email, phone, birth: (how, points, words or holders)
    suffix: bool

    @property
    def reason(self) -> str:
        name, email, phone, birth = self.parts
        words = [
            name[2],
            _contact_words("email", email),
            _contact_words("phone", phone),
            birth[2],
            "Jr / Sr differ" if self.suffix else "",
        ]
        return "; ".join(w for w in words if w)

    @property
    def method(self) -> str:
        name = self.parts[0][0]
        kinds = [
            k
            for k, part in zip(("", "email", "phone"), self.parts[:3], strict=True)
            if part[0] in ("agree", "shared")
        ]
        if self.certain:
            return "+".join([name or "name", *kinds])
        return name or "+".join(kinds)


class _Counts:
    """How many records hold a key: the existing ones (the client's, when given) and this run."""

    def __init__(
        self,
        existing: list[_Rec],
        incoming: list[_Rec],
        given: Mapping[str, int],
        today: dt.date,
    ):
        # Born after this, a person is young (under 21: a child, a student living at home):
        # the email and phone are often a parent's, and a junior may carry the parent's name.
        self.young_after = _years_before(today, YOUNG_YEARS)
        own = Counter(k for r in existing for k in _counted(r))
        self.existing = {k: max(n, given.get(k, 0)) for k, n in own.items()}
        self.given = given
        self.incoming = Counter(k for r in incoming for k in _counted(r))

    def of(self, key: str, *, within: bool = False) -> int:
        """Records holding the key; `within` a run, not counting the other record of the pair."""
        return max(self.existing_count(key), self.incoming.get(key, 0) - (1 if within else 0))

    def existing_count(self, key: str) -> int:
        return self.existing.get(key, self.given.get(key, 0))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _counted(r: _Rec) -> list[str]:
    return [k for k in r.stored if k[0] in "epn" and k[1] == ":"]


_NO_CONTACT = ("", 0.0, 0)


def _contact(kind: str, a: str, b: str, counts: _Counts, within: bool) -> tuple[str, float, int]:
    """How one contact field relates: (agree | shared | many | differ | '', points, holders)."""
    if not a or not b:
        return _NO_CONTACT
    if a != b:
        if kind == "e:" and _same_local(a, b):
            return "local", 0.12, 0
        return "differ", -0.04, 0
    shared = counts.of(kind + a, within=within)
    if shared > MANY:
        return "many", 0.0, shared
    if shared > 1:
        return "shared", 0.12 if kind == "e:" else 0.1, shared
    return "agree", 0.3 if kind == "e:" else 0.25, 1


def _same_local(a: str, b: str) -> bool:
    """The same mailbox name at another provider: 'jose48@gmail.com', 'jose48@gmx.de'."""
    local = a.split("@", 1)[0]
    return len(local) >= 5 and b.split("@", 1)[0] == local


def _contact_words(label: str, part: tuple[str, float, int]) -> str:
    state, _, holders = part
    if state == "local":
        return "same email name at another domain"
    if state == "differ":
        return f"different {label}s"
    if state == "many":
        return f"same {label}, used by {holders} records"
    if state == "shared":
        return f"same {label}, shared by {holders}"
    return f"same {label}" if state else ""


def _birth(a: dt.date | None, b: dt.date | None) -> tuple[str, float, str]:
    if a is None or b is None:
        return "", 0.0, ""
    if a == b:
        return "same", 0.2, "same birth date"
    if swapped_birth(a) == b:
        return "swapped", 0.08, "birth date with day and month swapped"
    return "differ", -0.3, "different birth dates"


def _young(r: _Rec, counts: _Counts) -> bool:
    born = r.person.birth_date
    return born is not None and born > counts.young_after


@lru_cache(maxsize=262144)
def _names_agree(a: Name, b: Name) -> bool:
    """The same person by name (§3a): same full name, a nickname, or swapped names."""
    if not a.key or not b.key:
        return False
    if first_relation(a, b) in ("same", "nickname") and last_relation(a, b) == "same":
        return True
    return a.given == b.surname and a.surname == b.given


def _pair(inc: _Rec, ex: _Rec, counts: _Counts, *, within: bool = False) -> _Pair:
    """How likely two records are one person, and whether certain (`within`: both incoming)."""
    name_score, method, name_reason = name_evidence(inc.name, ex.name)
    email = _contact("e:", inc.keys.email, ex.keys.email, counts, within)
    phone = _contact("p:", inc.keys.phone, ex.keys.phone, counts, within)
    birth = _birth(inc.person.birth_date, ex.person.birth_date)
    suffix = inc.name.suffix != ex.name.suffix
    score = name_score / 2 + email[1] + phone[1] + birth[1] - (0.3 if suffix else 0.0)
    if name_score >= 0.9 and counts.existing_count("n:" + ex.name.key) == 1:
        score += 0.05  # a name no one else has
    agreeing = {email[0], phone[0], birth[0]}
    if "differ" not in agreeing:
        score += 0.06  # nothing that could be compared disagrees
    contact = bool(agreeing & {"agree", "shared"})
    # A family's email or phone, with the same name, may be a parent's and a junior's: it is
    # certain only when the birth dates agree too.
    # A young person's email and phone are often a parent's: they say who only with the birth
    # date (a junior of a parent's name, dated on one side only, is not certain).
    family_only = "agree" not in agreeing or _young(inc, counts) or _young(ex, counts)
    confirmed = birth[0] in ("same", "swapped")
    near = contact and birth[0] != "differ" and _names_agree(inc.name, ex.name)
    certain = near and not suffix and (not family_only or confirmed)
    if not near and not suffix and _confirmed_otherwise(inc, ex, email[0], agreeing, birth[0]):
        near = certain = True
    parts = ((method, name_score, name_reason), email, phone, birth)
    return _Pair(round(min(max(score, 0.0), 1.0), 3), certain, near, parts, suffix)


def _confirmed_otherwise(
    inc: _Rec, ex: _Rec, email: str, agreeing: set[str], birth: str
) -> bool:
    """The same person although the names do not agree exactly, or no contact is shared,
    where the birth date and what else agrees leave no doubt (nothing disagreeing):

    - a typo or a spelling in one name, one of two surnames, one part missing, with the same
      email or phone and the same birth date (a spouse or sibling has another birth date);
    - a married name (the same first name, another last name) with an email or phone no one
      else has and the same birth date;
    - the same name and the same distinctive mailbox name at another provider ('jose48' at
      gmail and at gmx: not a name-made one such as 'john.smith') and the same birth date.
    """
    if birth != "same" or "differ" in agreeing:
        return False
    if email == "local":
        return _names_agree(inc.name, ex.name) and _distinctive(inc.keys.email, inc.name)
    close = _names_close(inc.name, ex.name)
    if close == "married":
        return "agree" in agreeing
    return bool(close) and bool(agreeing & {"agree", "shared"})


def _names_close(a: Name, b: Name) -> str:
    """'close' when one part of the two names differs as a typo, a spelling, a second
    surname or a missing part does (the other the same or a nickname); 'married' for the same
    first name and another last name; '' otherwise."""
    first, last = first_relation(a, b), last_relation(a, b)
    if first == "same" and last == "" and a.surname and b.surname:
        return "married"
    if first in ("same", "nickname") and last in ("spelling", "typo", "part", "missing"):
        return "close"
    if first in ("spelling", "typo", "missing") and last == "same":
        return "close"
    return ""


def _distinctive(email: str, name: Name) -> bool:
    """A mailbox name that says more than the name ('jose48', 'dancer.kim'): long enough,
    and not one of the ways a name is written into an address ('josegarcia', 'jgarcia')."""
    local = email_local_key(email)
    raw = email.split("@", 1)[0]
    if len(raw) < 5:
        return False
    return any(ch.isdigit() for ch in raw) or local not in name_email_keys(
        name.given, name.surname
    )


class _Index:
    def __init__(self, records: list[_Rec]) -> None:
        self.by: dict[str, list[_Rec]] = defaultdict(list)
        by = self.by
        for r in records:
            for key in r.stored:
                by[key].append(r)

    def candidates(self, r: _Rec, *, contact: bool, seen: set[int]) -> list[_Rec]:
        """Records sharing a contact key with r (`contact`), or else a name / birth key."""
        head = r.head
        keys = r.keys.lookups[:head] if contact else r.keys.lookups[head:]
        by, found = self.by, []
        for key in keys:
            bucket = by.get(key)
            if not bucket:
                continue
            if len(bucket) > COMMON_NAME and key[0] in "nr":
                continue  # "John Smith" among thousands: the contact keys find the one
            for other in bucket:
                if id(other) not in seen:
                    seen.add(id(other))
                    found.append(other)
        return found


# Found by a name or birth key only (no email or phone in common): the names alone must reach
# this for the pair to be likely at all (a same birth date and nothing against add 0.31).
_NAME_FLOOR = 2 * (LIKELY - 0.31)


def _scored(inc: _Rec, found: Iterable[_Rec], counts: _Counts, apart: set, *, by_name=False):
    rid = inc.person.id
    return [
        (_pair(inc, ex, counts), ex)
        for ex in found
        if (rid, ex.person.id) not in apart
        and not (by_name and name_evidence(inc.name, ex.name)[0] < _NAME_FLOOR)
    ]


def _the_one(certain: list, near: list, counts: _Counts) -> tuple[tuple, str] | None:
    """The one candidate a link may go to, with a note, or None.

    One certain candidate and no other that agrees by name and contact; or, among several,
    the only one whose birth date agrees too (the others have none to compare); or several
    that are one person entered twice (then the best of them)."""
    if len(certain) == 1 and len(near) == 1:
        return certain[0], ""
    if not certain:
        return None
    born = [t for t in near if t[0].parts[3][0] == "same"]
    if (
        len(born) == 1
        and born[0][0].certain
        and all(t[0].parts[3][0] == "" for t in near if t is not born[0])
    ):
        return born[0], "the only one with that birth date"
    best = max(certain, key=lambda t: (t[0].score, str(t[1].person.id)))
    if all(t is best or _pair(best[1], t[1], counts, within=False).certain for t in near):
        others = ", ".join(str(t[1].person.id) for t in near if t is not best)
        return best, f"also entered as {others}"
    return None


def _decide(inc: _Rec, index: _Index, counts: _Counts, apart: set) -> PersonDecision:
    rid = inc.person.id
    seen = {id(inc)}
    # Certain needs a shared email or phone: those candidates decide a link on their own
    # (but for a distinctive mailbox at another provider, found by the name: looked at next).
    scored = _scored(inc, index.candidates(inc, contact=True, seen=seen), counts, apart)
    linked = _linked(rid, scored, counts)
    if linked is not None:
        return linked
    found = index.candidates(inc, contact=False, seen=seen)
    named = _scored(inc, found, counts, apart, by_name=True)
    scored += named
    if any(t[0].certain for t in named):
        linked = _linked(rid, scored, counts)
        if linked is not None:
            return linked
    near = [t for t in scored if t[0].near]
    scored.sort(key=lambda t: (t[0].certain, t[0].score, str(t[1].person.id)), reverse=True)
    likely = [t for t in scored if t[0].certain or t[0].score >= LIKELY]
    if not likely:
        return PersonDecision(rid, NEW)
    listed = tuple(Candidate(ex.person.id, p.score, p.reason) for p, ex in likely[:CANDIDATES])
    top, ex = likely[0]
    reason = top.reason
    if len(near) > 1:
        reason = join_reasons(f"{len(near)} people agree by name and email or phone", reason)
    return PersonDecision(
        rid, NEEDS_REVIEW, ex.person.id, min(top.score, 0.95), top.method, reason, listed
    )


def _linked(rid: Hashable, scored: list, counts: _Counts) -> PersonDecision | None:
    """The link, when one candidate is certain and no other competes (`_the_one`)."""
    certain = [t for t in scored if t[0].certain]
    near = [t for t in scored if t[0].near]
    chosen = _the_one(certain, near, counts)
    if chosen is None:
        return None
    (pair, ex), note = chosen
    return PersonDecision(
        rid, MATCHED, ex.person.id, max(pair.score, 0.95), pair.method,
        join_reasons(pair.reason, note),
    )


def _one_each_side(
    records: list[_Rec], out: dict[Hashable, PersonDecision], counts: _Counts
) -> None:
    """Incoming records certain for the same existing person must be one person themselves
    (entered twice); otherwise (a parent and a junior of one name and address) all go to
    review: one candidate on each side."""
    by_person: dict[Hashable, list[_Rec]] = defaultdict(list)
    for r in records:
        if out[r.person.id].status == MATCHED:
            by_person[out[r.person.id].existing_id].append(r)
    for group in by_person.values():
        first = group[0]
        if all(_pair(first, other, counts, within=True).certain for other in group[1:]):
            continue
        for r in group:
            d = out[r.person.id]
            others = ", ".join(str(o.person.id) for o in group if o is not r)
            reason = join_reasons(f"incoming {others} also fits this person", d.reason)
            out[r.person.id] = PersonDecision(
                d.incoming_id,
                NEEDS_REVIEW,
                d.existing_id,
                min(d.score or 0, 0.9),
                d.method,
                reason,
                (Candidate(d.existing_id, min(d.score or 0, 0.9), d.reason),),
            )


def _twins(records: list[_Rec], out: dict[Hashable, PersonDecision], counts: _Counts) -> None:
    """A new record that is certainly an earlier new one of this run (entered twice): review,
    pointing at the earlier one."""
    index = _Index([])
    for r in records:
        decision = out[r.person.id]
        if decision.status == MATCHED:
            continue
        if decision.status == NEW:
            for earlier in index.candidates(r, contact=True, seen={id(r)}):
                pair = _pair(r, earlier, counts, within=True)
                if pair.certain:
                    out[r.person.id] = _twin(decision, earlier.person.id, pair)
                    break
        for key in r.stored[: r.head]:
            index.by[key].append(r)


def _twin(decision: PersonDecision, earlier: Hashable, pair: _Pair) -> PersonDecision:
    reason = join_reasons(
        f"the same person as incoming record {earlier} ({pair.reason})", decision.reason
    )
    return PersonDecision(
        decision.incoming_id,
        NEEDS_REVIEW,
        decision.existing_id,
        decision.score if decision.existing_id is not None else pair.score,
        decision.method or pair.method,
        reason,
        decision.candidates,
        same_as_incoming=earlier,
    )


def match_people(
    *,
    existing: Sequence[Person],
    incoming: Sequence[Person],
    fixed: Iterable[PersonFixed] = (),
    apart: Iterable[tuple[Hashable, Hashable]] = (),
    counts: Mapping[str, int] | None = None,
    region: str = "US",
    today: dt.date | None = None,
) -> list[PersonDecision]:
    """One decision per incoming record, in order; `fixed` decisions come back unchanged.

    `apart`: (incoming id, existing id) pairs a person said are different people, never
    linked or suggested again. `counts`: how many existing records of the whole client hold
    each key of `person_keys` ('e:...', 'p:...', 'n:...'), when `existing` is only the
    candidates an ingest looked up. `region`: where national phone numbers are read.
    `today`: who is young (default: the date today, UTC).
    """
    with gc_paused():
        day = today or dt.datetime.now(dt.UTC).date()
        return _match(existing, incoming, fixed, apart, counts or {}, region, day)


def _match(
    existing: Sequence[Person],
    incoming: Sequence[Person],
    fixed: Iterable[PersonFixed],
    apart: Iterable[tuple[Hashable, Hashable]],
    counts: Mapping[str, int],
    region: str,
    today: dt.date,
) -> list[PersonDecision]:
    kept = {f.incoming_id: f for f in fixed}
    old = [_prep(p, region, incoming=False) for p in existing]
    new = [_prep(p, region, incoming=True) for p in incoming]
    tally = _Counts(old, new, counts, today)
    index = _Index(old)
    pairs = set(apart)
    out = {r.person.id: _decide(r, index, tally, pairs) for r in new if r.person.id not in kept}
    todo = [r for r in new if r.person.id not in kept]
    _one_each_side(todo, out, tally)
    _twins(todo, out, tally)
    return [_confirmed(kept[r.person.id]) if r.person.id in kept else out[r.person.id] for r in new]


def _confirmed(f: PersonFixed) -> PersonDecision:
    return PersonDecision(
        f.incoming_id, f.status, f.existing_id, f.score, f.method, f.reason, confirmed=True
    )


def people_caches_clear() -> None:
    """Forget every cached name and phone (benchmarks measure cold runs)."""
    caches = (fold, name_of, name_roots, sound, name_evidence, phone_e164, _name_only_keys)
    for cached in (*caches, _names_agree):
        cached.cache_clear()
