"""The staff matching core (product.md §3): rosters in, decisions out. No ORM.

The rules, in order: decisions made by people are kept; the same email (one record with it
on each side, first names that agree) links automatically; the same normalized full name
(one on each side) links automatically even when the emails differ, unless the remote's
email is another directory person's, and the reason says that the emails differ. Everything
else is only *suggested* (needs review), each candidate scored on all it has: how the names
relate (nickname, typo, swapped, accents, initial, ...), what the emails say (the same, the
same name at another domain, a login or local part that spells the name, another person's
address), with active people first on a tie. Candidates come from blocking keys (email,
name, swapped name, surname + initial, nickname root + surname, sound-alike name, email
local part ↔ name-shaped keys), never from all pairs, so the cost grows with the rosters, not
their product.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from mappings.matching.names import (
    Name,
    email_local_key,
    email_norm,
    fold,
    name_email_keys,
    name_of,
    name_roots,
    sound,
)
from mappings.matching.shared import (
    FULL_NAME,
    MATCHED,
    NEEDS_REVIEW,
    UNMATCHED,
    Decision,
    Fixed,
    first_relation,
    gc_paused,
    join_reasons,
    name_evidence,
)

EMAIL_SCORE = 1.0
NAME_SCORE = 0.97
LOGIN_SCORE = 0.72
MIN_SUGGESTION = 0.3
LIKELY = 0.85  # a candidate this good ends the search before the fuzzy keys
_STRONG = frozenset({"n:", "e:", "k:", "l:", "r:"})
COMMON_KEY = 40  # a fuzzy key shared by more people than this finds nobody in particular
RIVAL = 0.84  # a name this close on either side means "more than one candidate"
_AGREEING_FIRST = frozenset({"same", "spelling", "nickname", "middle", "typo", "short", "initial"})


@dataclass(frozen=True, slots=True)
class Staff:
    """One staff record of either side: a directory person or a remote staff."""

    id: Hashable
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    active: bool = True


@dataclass(slots=True)
class _Prep:
    rec: Staff
    name: Name
    email: str
    local: str  # the letters of the email's local part
    email_keys: frozenset[str]  # the local parts this record's name would give


def _prep(rec: Staff) -> _Prep:
    name = name_of(rec.first_name, rec.last_name)
    email = email_norm(rec.email)
    local = email_local_key(email) if email else ""
    return _Prep(rec, name, email, local, name_email_keys(name.given, name.surname))


@lru_cache(maxsize=65536)
def _name_keys(n: Name) -> frozenset[str]:
    """Keys both sides share: exact, nickname root, initial, sound-alike, partial surnames."""
    keys = {"n:" + k for k in n.keys}
    if not n.key:
        return frozenset(keys)
    keys.update(f"r:{root} {n.surname}" for root in name_roots(n.given))
    keys.add(f"si:{n.surname} {n.given[0]}")
    keys.add(f"gp:{n.given} {n.surname[:2]}")
    keys.add(f"gs:{n.given} {n.surname[-2:]}")
    keys.add(f"sd:{sound(n.given)} {sound(n.surname)}")
    keys.add(f"ip:{n.given[:2]} {n.surname[:2]}")
    if len(n.surnames) > 1:
        keys.update(f"gt:{n.given} {part}" for part in n.surnames)
    keys.add(f"gt:{n.given} {n.surname}")
    return frozenset(keys)


def _person_keys(p: _Prep) -> set[str]:
    keys = set(_name_keys(p.name))
    if p.email:
        keys.add("e:" + p.email)
    if p.local:
        keys.add("l:" + p.local)
    keys.update("k:" + k for k in p.email_keys)
    return keys


def _remote_keys(r: _Prep) -> set[str]:
    keys = set(_name_keys(r.name))
    if r.email:
        keys.add("e:" + r.email)
    if r.local:
        keys.add("k:" + r.local)
    if r.name.login:
        keys.add("k:" + r.name.login)
    if r.name.key:
        keys.add(f"n:{r.name.surname} {r.name.given}")
    keys.update("l:" + k for k in r.email_keys)
    return keys


class _Index:
    """Records by blocking key: each lookup returns a short list."""

    def __init__(self, records: list[_Prep], keys_of: Callable[[_Prep], Iterable[str]]) -> None:
        self.by: dict[str, list[_Prep]] = defaultdict(list)
        for p in records:
            for key in keys_of(p):
                self.by[key].append(p)

    def get(self, key: str) -> list[_Prep]:
        return self.by.get(key, [])


class _Counts:
    """How many records of each side have an email or a name key; who owns each email."""

    def __init__(self, people: list[_Prep], remotes: list[_Prep]) -> None:
        self.p_email = Counter(p.email for p in people if p.email)
        self.r_email = Counter(r.email for r in remotes if r.email)
        self.p_key = Counter(k for p in people for k in _suffixed(p.name))
        self.r_key = Counter(k for r in remotes for k in _suffixed(r.name))
        self.owner = {p.email: p.rec.id for p in people if p.email}

    def shared_email(self, email: str) -> bool:
        return self.p_email[email] > 1 or self.r_email[email] > 1

    def others_email(self, r: _Prep, p: _Prep) -> bool:
        """The remote's email is a directory address, and not p's."""
        return bool(r.email) and r.email != p.email and r.email in self.owner

    def namesakes(self, r: _Prep, p: _Prep) -> str:
        """Why the same full name is not unique, or ''.

        A name with a suffix is unique when no one else has it with that suffix; one without
        when no one else has it at all ("John Smith" may be his son, "John Smith Jr" not).
        """
        shared_p = max(self.p_key[k] for k in _own_keys(p.name))
        if shared_p > 1:
            return f"same full name as {shared_p} directory people"
        shared_r = max(self.r_key[k] for k in _own_keys(r.name))
        return f"same full name as {shared_r} remote staff" if shared_r > 1 else ""


def _suffixed(n: Name) -> set[str]:
    """The keys a name counts under: its keys, and with a suffix also 'key|suffix'."""
    return {*n.keys, *(f"{k}|{n.suffix}" for k in n.keys if n.suffix)}


def _own_keys(n: Name) -> set[str]:
    """The keys whose count says whether a name is unique (with its suffix, if it has one)."""
    return {f"{k}|{n.suffix}" for k in n.keys} if n.suffix else set(n.keys)


def _shown(p: _Prep) -> str:
    return " ".join(part.strip() for part in (p.rec.first_name, p.rec.last_name) if part.strip())


def first_names_agree(r: _Prep, p: _Prep) -> bool:
    """False only when both first names are known and nothing relates them."""
    if not r.name.given or not p.name.given:
        return True
    if first_relation(r.name, p.name) in _AGREEING_FIRST:
        return True
    return r.name.given == p.name.surname or r.name.surname == p.name.given


def _suffixes_differ(r: _Prep, p: _Prep) -> bool:
    return r.name.suffix != p.name.suffix


def _login_evidence(r: _Prep, p: _Prep) -> tuple[float, str]:
    """A login-style account or email local part that spells the directory name."""
    if r.name.login and r.name.login in p.email_keys:
        return LOGIN_SCORE, f"account name {r.name.login!r} fits the directory name"
    if not r.name.key and r.local and r.local in p.email_keys:
        return LOGIN_SCORE - 0.02, "remote email resembles the directory name"
    return 0.0, ""


def _email_evidence(r: _Prep, p: _Prep, counts: _Counts) -> tuple[float, str]:
    """What the two emails add to (or take from) a name-based score, with the words."""
    if not r.email or not p.email:
        if r.local and r.local in p.email_keys:
            return 0.03, "email resembles the name"
        return 0.0, ""
    if r.local == p.local:
        return 0.06, "same email name at another domain"
    if counts.others_email(r, p):
        return -0.08, "the remote's email is another directory person's"
    if r.local in p.email_keys or p.local in r.email_keys:
        return 0.03, "email resembles the name"
    return -0.03, "different emails"


def _same_name_score(r: _Prep, p: _Prep, counts: _Counts) -> tuple[float, str]:
    """Same full name but not linked automatically: why, and how likely it still is."""
    why = counts.namesakes(r, p)
    if why:
        return 0.9, why
    if counts.others_email(r, p):
        return 0.86, "same full name, but the remote's email is another directory person's"
    if _suffixes_differ(r, p):
        return 0.86, "same full name, but one is Jr / Sr"
    return 0.9, "same full name"


def _score(r: _Prep, p: _Prep, counts: _Counts) -> tuple[float, str, str]:
    """How likely r and p are the same person, the method and a readable reason."""
    score, method, reason = name_evidence(r.name, p.name)
    login, login_reason = _login_evidence(r, p)
    if login > score:
        score, method, reason = login, "email_name", login_reason
    if r.email and r.email == p.email:
        if counts.shared_email(r.email):
            return max(score, 0.5) + 0.02, method or "email", join_reasons(reason, "shared email")
        if first_names_agree(r, p):
            return EMAIL_SCORE, "email", "same email"
        return max(score, 0.6), "email", "same email, but the first names differ"
    if not score:
        return 0.0, "", ""
    extra, extra_reason = _email_evidence(r, p, counts)
    if method == "name" and score == FULL_NAME:
        score, reason = _same_name_score(r, p, counts)
    return score + extra, method, join_reasons(reason, extra_reason)


def _rank(r: _Prep, p: _Prep, score: float) -> tuple:
    # On a tie the candidate whose activity agrees with the remote's wins (a former employee
    # is inactive on both sides), then the active one; then the closer spelling (Bob is
    # Robert before Roberta).
    closeness = OSA.normalized_similarity(r.name.given, p.name.given)
    return (round(score, 6), p.rec.active == r.rec.active, p.rec.active, round(closeness, 6))


class _Matcher:
    def __init__(self, directory: Sequence[Staff], remote: Sequence[Staff]) -> None:
        self.people = [_prep(p) for p in directory]
        self.remotes = [_prep(r) for r in remote]
        self.counts = _Counts(self.people, self.remotes)
        self.index = _Index(self.people, _person_keys)
        self.linked: set[Hashable] = set()
        self.out: dict[Hashable, Decision] = {}
        self.notes: dict[tuple[Hashable, Hashable], str] = {}  # why a same-name pair waits

    def link(self, r: _Prep, p: _Prep, method: str, score: float, reason: str) -> None:
        self.out[r.rec.id] = Decision(r.rec.id, MATCHED, p.rec.id, method, score, reason)
        self.linked.add(p.rec.id)

    def by_email(self, todo: list[_Prep]) -> None:
        for r in todo:
            if not r.email or self.counts.r_email[r.email] != 1:
                continue
            found = self.index.get("e:" + r.email)
            if (
                len(found) == 1
                and found[0].rec.id not in self.linked
                and first_names_agree(r, found[0])
            ):
                self.link(r, found[0], "email", EMAIL_SCORE, "same email")

    def by_name(self, todo: list[_Prep]) -> None:
        remotes = _Index(self.remotes, lambda r: _name_keys(r.name))
        for r in todo:
            if r.rec.id in self.out or not r.name.key:
                continue
            found = {
                id(p): p
                for k in r.name.keys
                for p in self.index.get("n:" + k)
                if p.name.suffix == r.name.suffix
            }
            if len(found) != 1:
                continue
            p = next(iter(found.values()))
            if p.rec.id in self.linked or self.counts.namesakes(r, p):
                continue
            if self.counts.others_email(r, p):
                continue
            rival = self.rival(r, p, remotes)
            if rival:
                self.notes[r.rec.id, p.rec.id] = f"same full name, but {rival}"
                continue
            differ = r.email and p.email and r.email != p.email
            reason = "same full name; the emails differ" if differ else "same full name"
            self.link(r, p, "name", NAME_SCORE, reason)

    def rival(self, r: _Prep, p: _Prep, remotes: _Index) -> str:
        """Another free record close enough to be the same person as p or r, without a
        same-name counterpart of its own: then r and p are not one candidate each."""
        for q in self._near(r, self.index, lambda q: q.rec.id not in self.linked):
            if q is not p and not any(remotes.get("n:" + k) for k in q.name.keys):
                return f"{_shown(q)} in the directory may be the same person"
        for q in self._near(p, remotes, lambda q: q.rec.id not in self.out):
            if q is not r and not any(self.index.get("n:" + k) for k in q.name.keys):
                return f"{_shown(q)} in the remote list may be the same person"
        return ""

    @staticmethod
    def _near(a: _Prep, index: _Index, free: Callable[[_Prep], bool]) -> Iterable[_Prep]:
        seen: set[int] = set()
        for key in _name_keys(a.name):
            bucket = index.get(key)
            if key[:2] in ("ip", "gt") or (len(bucket) > COMMON_KEY and key[:2] != "n:"):
                continue  # these keys never reach a rival's score, or are too common
            for q in bucket:
                if id(q) not in seen and free(q):
                    seen.add(id(q))
                    if name_evidence(a.name, q.name)[0] >= RIVAL:
                        yield q

    def candidates(self, r: _Prep, *, every: bool = False) -> list[tuple]:
        """(rank, person, score, method, reason) of the free candidates worth showing.

        Exact, nickname and email keys first; the fuzzy ones (surname + initial, sound-alike,
        prefixes) only when those found nobody likely, or with `every` (the detail page)."""
        seen: set[int] = set()
        found: list[tuple] = []
        keys = _remote_keys(r)
        for tier in (_STRONG, None):
            for key in keys:
                if (key[:2] in _STRONG) != (tier is _STRONG):
                    continue
                bucket = self.index.get(key)
                if len(bucket) > COMMON_KEY and tier is None:
                    continue  # "smith j" among 10,000: the exact and nickname keys find the one
                for p in bucket:
                    if id(p) in seen or p.rec.id in self.linked:
                        continue
                    seen.add(id(p))
                    score, method, reason = _score(r, p, self.counts)
                    reason = self.notes.get((r.rec.id, p.rec.id), reason)
                    if score >= MIN_SUGGESTION:
                        found.append((_rank(r, p, score), p, score, method, reason))
            if not every and any(t[2] >= LIKELY for t in found):
                break
        return found

    def suggest(self, todo: list[_Prep]) -> None:
        pairs: list[tuple] = []
        for r in todo:
            if r.rec.id not in self.out:
                pairs.extend((rank, r, p, s, m, why) for rank, p, s, m, why in self.candidates(r))
        self._assign(pairs)

    def _assign(self, pairs: list) -> None:
        # Best pairs first; a person already suggested goes to the next remote only when that
        # remote has nobody else, so suggestions stay one-to-one where they can.
        pairs.sort(key=lambda t: (t[0], str(t[2].rec.id)), reverse=True)
        suggested: set[Hashable] = set()
        fallback: dict[Hashable, tuple] = {}
        for _, r, p, score, method, reason in pairs:
            rid = r.rec.id
            if rid in self.out:
                continue
            fallback.setdefault(rid, (p, score, method, reason))
            if p.rec.id not in suggested:
                suggested.add(p.rec.id)
                self._suggest(rid, p, score, method, reason)
        for rid, (p, score, method, reason) in fallback.items():
            if rid not in self.out:
                self._suggest(rid, p, score, method, reason)

    def _suggest(self, rid: Hashable, p: _Prep, score: float, method: str, reason: str) -> None:
        score = round(min(max(score, 0.01), 0.95), 3)
        self.out[rid] = Decision(rid, NEEDS_REVIEW, p.rec.id, method, score, reason)


def match_staff(
    *,
    directory: Sequence[Staff],
    remote: Sequence[Staff],
    fixed: Iterable[Fixed] = (),
) -> list[Decision]:
    """One decision per remote staff, in roster order; `fixed` decisions come back unchanged."""
    with gc_paused():
        return _match(directory, remote, fixed)


def _match(
    directory: Sequence[Staff], remote: Sequence[Staff], fixed: Iterable[Fixed]
) -> list[Decision]:
    matcher = _Matcher(directory, remote)
    kept = {f.remote_id: f for f in fixed}
    directory_ids = {p.id for p in directory}
    for f in kept.values():
        if f.person_id is not None and f.person_id in directory_ids:
            matcher.linked.add(f.person_id)
    todo = [r for r in matcher.remotes if r.rec.id not in kept]
    matcher.by_email(todo)
    matcher.by_name(todo)
    matcher.suggest(todo)
    result = []
    for r in matcher.remotes:
        rid = r.rec.id
        if rid in kept:
            f = kept[rid]
            result.append(
                Decision(rid, f.status, f.person_id, f.method, f.score, f.reason, confirmed=True)
            )
        else:
            result.append(matcher.out.get(rid) or Decision(rid, UNMATCHED))
    return result


def staff_candidates(
    *, remote: Staff, directory: Sequence[Staff], limit: int = 5
) -> list[tuple[Hashable, float, str]]:
    """The directory people most like one remote staff: (person id, score, reason), best first."""
    matcher = _Matcher(directory, [remote])
    found = matcher.candidates(matcher.remotes[0], every=True)
    best = sorted(found, key=lambda t: (t[0], str(t[1].rec.id)), reverse=True)[:limit]
    return [(p.rec.id, round(min(score, 1.0), 3), reason) for _, p, score, _, reason in best]


def staff_caches_clear() -> None:
    """Forget every cached name (benchmarks measure cold runs)."""
    for cached in (fold, name_of, name_roots, sound, name_evidence, _name_keys):
        cached.cache_clear()
