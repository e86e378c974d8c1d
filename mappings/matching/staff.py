"""The staff matching core (product.md §3): rosters in, decisions out. No ORM.

Order of the rules: decisions made by people are kept; same email (one candidate each side)
and same normalized full name (one candidate each side, no conflicting email) link
automatically; nicknames, typos, swapped names and email local parts only *suggest*
(needs review). Candidates come from blocking keys (email, name, surname + initial, nickname
root + surname, ...), never from all pairs, so the cost grows with the rosters, not their
product.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from mappings.matching.names import (
    email_local_key,
    email_norm,
    name_email_keys,
    name_parts,
    name_roots,
    nickname_related,
)
from mappings.matching.shared import MATCHED, NEEDS_REVIEW, UNMATCHED, Decision, Fixed

EMAIL_SCORE = 1.0
NAME_SCORE = 0.97


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
    email: str
    given: str
    surname: str
    key: str
    local: str
    email_keys: frozenset[str]


def _prep(rec: Staff) -> _Prep:
    given, surname = name_parts(rec.first_name, rec.last_name)
    email = email_norm(rec.email)
    return _Prep(
        rec=rec,
        email=email,
        given=given,
        surname=surname,
        key=f"{given} {surname}" if given and surname else "",
        local=email_local_key(email) if email else "",
        email_keys=name_email_keys(given, surname),
    )


class _Index:
    """Directory people by blocking key: each lookup returns a short list."""

    def __init__(self, people: list[_Prep]) -> None:
        self.by: dict[str, list[_Prep]] = defaultdict(list)
        for p in people:
            for key in _person_keys(p):
                self.by[key].append(p)

    def get(self, key: str) -> list[_Prep]:
        return self.by.get(key, [])


def _person_keys(p: _Prep) -> set[str]:
    keys: set[str] = set()
    if p.email:
        keys.add("e:" + p.email)
    if p.local:
        keys.add("l:" + p.local)
    if p.key:
        keys.add("n:" + p.key)
        keys.update(f"r:{root} {p.surname}" for root in name_roots(p.given))
        keys.add(f"si:{p.surname} {p.given[0]}")
        keys.add(f"gp:{p.given} {p.surname[:2]}")
        keys.add(f"gs:{p.given} {p.surname[-2:]}")
        keys.update("k:" + k for k in p.email_keys)
    return keys


def _remote_keys(r: _Prep) -> set[str]:
    keys: set[str] = set()
    if r.email:
        keys.add("e:" + r.email)
    if r.local:
        keys.add("k:" + r.local)
    if r.key:
        keys.add("n:" + r.key)
        keys.add(f"n:{r.surname} {r.given}")
        keys.update(f"r:{root} {r.surname}" for root in name_roots(r.given))
        keys.add(f"si:{r.surname} {r.given[0]}")
        keys.add(f"gp:{r.given} {r.surname[:2]}")
        keys.add(f"gs:{r.given} {r.surname[-2:]}")
        keys.update("l:" + k for k in r.email_keys)
    return keys


def _typo(a: str, b: str) -> bool:
    """One edit apart (two for long names), swapped letters counting as one."""
    if a == b or min(len(a), len(b)) < 4:
        return False
    limit = 2 if min(len(a), len(b)) >= 8 else 1
    return OSA.distance(a, b, score_cutoff=limit) <= limit


def _first_relation(a: str, b: str) -> str:
    if not a or not b:
        return ""
    if a == b:
        return "same"
    if (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return "initial"
    if _typo(a, b):
        return "typo"
    return "nickname" if nickname_related(a, b) else ""


def _last_relation(a: str, b: str) -> str:
    if not a or not b:
        return ""
    if a == b:
        return "same"
    return "typo" if _typo(a, b) else ""


def names_compatible(r: _Prep, p: _Prep) -> bool:
    """False only when both names are known and nothing in them agrees."""
    if not r.key or not p.key:
        return True
    if _first_relation(r.given, p.given) or _last_relation(r.surname, p.surname):
        return True
    return r.given == p.surname or r.surname == p.given


_NAME_RULES: dict[tuple[str, str], tuple[float, str, str]] = {
    ("same", "same"): (0.93, "name", "same full name"),
    ("nickname", "same"): (0.88, "nickname", "nickname of first name, same last name"),
    ("typo", "same"): (0.84, "fuzzy", "first name differs by a typo, same last name"),
    ("same", "typo"): (0.84, "fuzzy", "same first name, last name differs by a typo"),
    ("initial", "same"): (0.78, "fuzzy", "first name given as an initial, same last name"),
    ("nickname", "typo"): (0.72, "nickname", "nickname of first name, last name differs by a typo"),
    ("typo", "typo"): (0.6, "fuzzy", "first and last names differ by typos"),
}


def _name_score(r: _Prep, p: _Prep) -> tuple[float, str, str]:
    relations = (_first_relation(r.given, p.given), _last_relation(r.surname, p.surname))
    rule = _NAME_RULES.get(relations)
    if rule:
        return rule
    if r.key and r.given == p.surname and r.surname == p.given:
        return 0.85, "swapped", "first and last names swapped"
    if r.local and r.local in p.email_keys:
        return 0.7, "email_name", "remote email resembles the directory name"
    if p.local and p.local in r.email_keys:
        return 0.7, "email_name", "directory email resembles the remote name"
    return 0.0, "", ""


class _Counts:
    def __init__(self, people: list[_Prep], remotes: list[_Prep]) -> None:
        self.p_email = Counter(p.email for p in people if p.email)
        self.r_email = Counter(r.email for r in remotes if r.email)
        self.p_key = Counter(p.key for p in people if p.key)
        self.r_key = Counter(r.key for r in remotes if r.key)

    def emails_conflict(self, r: _Prep, p: _Prep) -> bool:
        """Both have their own email and they differ; a shared mailbox says nothing."""
        return bool(
            r.email
            and p.email
            and r.email != p.email
            and self.r_email[r.email] == 1
            and self.p_email[p.email] == 1
        )


def _score(r: _Prep, p: _Prep, counts: _Counts) -> tuple[float, str, str]:
    """How likely r and p are the same person, the method and a readable reason."""
    score, method, reason = _name_score(r, p)
    if r.email and r.email == p.email:
        shared = max(counts.p_email[r.email], counts.r_email[r.email])
        if shared > 1:
            return max(score, 0.5) + 0.02, method or "email", _join(reason, "shared email")
        if names_compatible(r, p):
            return EMAIL_SCORE, "email", "same email"
        return 0.6, "email", "same email, but the names differ"
    if method == "name":
        if counts.emails_conflict(r, p):
            return 0.9, "name", "same full name, but different emails"
        if counts.p_key[p.key] > 1:
            return 0.9, "name", f"same full name as {counts.p_key[p.key]} directory people"
        if counts.r_key[r.key] > 1:
            return 0.9, "name", f"same full name as {counts.r_key[r.key]} remote staff"
        return NAME_SCORE, "name", "same full name"
    if score and r.email and p.email:
        if r.local == p.local:
            return score + 0.03, method, _join(reason, "same email name at another domain")
        return score - 0.05, method, _join(reason, "different emails")
    return score, method, reason


def _join(reason: str, extra: str) -> str:
    return f"{reason}; {extra}" if reason else extra


def _rank(r: _Prep, p: _Prep, score: float) -> tuple:
    # Active candidates win ties; then the one whose activity agrees with the remote's; then
    # the closer spelling (Bob is Robert before Roberta).
    closeness = OSA.normalized_similarity(r.given, p.given)
    return (round(score, 6), p.rec.active, p.rec.active == r.rec.active, round(closeness, 6))


class _Matcher:
    def __init__(self, directory: Sequence[Staff], remote: Sequence[Staff]) -> None:
        self.people = [_prep(p) for p in directory]
        self.remotes = [_prep(r) for r in remote]
        self.counts = _Counts(self.people, self.remotes)
        self.index = _Index(self.people)
        self.linked: set[Hashable] = set()
        self.out: dict[Hashable, Decision] = {}

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
                and names_compatible(r, found[0])
            ):
                self.link(r, found[0], "email", EMAIL_SCORE, "same email")

    def by_name(self, todo: list[_Prep]) -> None:
        for r in todo:
            if r.rec.id in self.out or not r.key or self.counts.r_key[r.key] != 1:
                continue
            found = self.index.get("n:" + r.key)
            if len(found) != 1 or found[0].rec.id in self.linked:
                continue
            p = found[0]
            if not self.counts.emails_conflict(r, p):
                self.link(r, p, "name", NAME_SCORE, "same full name")

    def suggest(self, todo: list[_Prep]) -> None:
        pairs = []
        for r in todo:
            if r.rec.id in self.out:
                continue
            seen: set[int] = set()
            for key in _remote_keys(r):
                for p in self.index.get(key):
                    if id(p) in seen or p.rec.id in self.linked:
                        continue
                    seen.add(id(p))
                    score, method, reason = _score(r, p, self.counts)
                    if score > 0:
                        pairs.append((_rank(r, p, score), r, p, score, method, reason))
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
    r = matcher.remotes[0]
    found: dict[int, tuple] = {}
    for key in _remote_keys(r):
        for p in matcher.index.get(key):
            if id(p) not in found:
                score, _, reason = _score(r, p, matcher.counts)
                if score > 0:
                    found[id(p)] = (_rank(r, p, score), p.rec.id, round(min(score, 1.0), 3), reason)
    best = sorted(found.values(), key=lambda t: (t[0], str(t[1])), reverse=True)[:limit]
    return [(person_id, score, reason) for _, person_id, score, reason in best]
