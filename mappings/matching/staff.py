"""The staff matching core (product.md §3): rosters in, decisions out. No ORM.

The rules, in order: decisions made by people are kept; the same email (one record with it
on each side, first names that agree, and not another directory person's full name on the
remote) links automatically, an address at a partner domain that mirrors the directory's
counting as the directory address; the same normalized full name (one on each side) links
automatically even when the emails differ, unless the remote's email is another directory
person's, and the reason says that the emails differ. A name link waits for review, with the
reason, when nothing but the name ties the two (a personal address or none) and the
directory person is inactive while the account is active, or the personal address spells
another directory person's name: precision first (docs/performance.md, "Staff matching").
Everything else is only *suggested* (needs review), each candidate scored on all it has
(staff_evidence). Candidates come from blocking keys (staff_records), never from all pairs,
so the cost grows with the rosters, not their product.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence

from mappings.matching.names import fold, name_of, name_roots, nickname_of, sound
from mappings.matching.shared import (
    MATCHED,
    NEEDS_REVIEW,
    UNMATCHED,
    Decision,
    Fixed,
    gc_paused,
    name_evidence,
)
from mappings.matching.staff_evidence import EMAIL_SCORE, close, first_names_agree, pair_score, rank
from mappings.matching.staff_records import (
    Counts,
    Index,
    Prepared,
    Staff,
    name_keys,
    one_off_domains,
    person_keys,
    prepare,
    read_at_directory_domains,
    remote_keys,
    same_email_words,
    shown,
)
from mappings.matching.staff_roster import WEBMAIL, split_email

__all__ = ["Staff", "match_staff", "staff_caches_clear", "staff_candidates"]

NAME_SCORE = 0.97
MIN_SUGGESTION = 0.3
LIKELY = 0.85  # a candidate this good ends the search before the fuzzy keys
_STRONG = frozenset({"n:", "e:", "k:", "l:", "r:"})
COMMON_KEY = 40  # a fuzzy key shared by more people than this finds nobody in particular
RIVAL = 0.84  # a name this close on either side means "more than one candidate"


class _Matcher:
    def __init__(self, directory: Sequence[Staff], remote: Sequence[Staff]) -> None:
        self.people = [prepare(p) for p in directory]
        self.remotes = [prepare(r) for r in remote]
        read_at_directory_domains(self.remotes, self.people)
        self.one_off = one_off_domains(self.people, self.remotes)
        self.index = Index(self.people, person_keys)
        self.counts = Counts(self.people, self.remotes, self.index)
        self.linked: set[Hashable] = set()
        self.out: dict[Hashable, Decision] = {}
        self.notes: dict[tuple[Hashable, Hashable], str] = {}  # why a same-name pair waits

    def link(self, r: Prepared, p: Prepared, method: str, score: float, reason: str) -> None:
        self.out[r.rec.id] = Decision(r.rec.id, MATCHED, p.rec.id, method, score, reason)
        self.linked.add(p.rec.id)

    def by_email(self, todo: list[Prepared]) -> None:
        for r in todo:
            if not r.email or self.counts.r_email[r.email] != 1:
                continue
            found = self.index.get("e:" + r.email)
            if len(found) != 1 or found[0].rec.id in self.linked:
                continue
            p = found[0]
            if first_names_agree(r, p) and not self.counts.named_after_another(r, p):
                self.link(r, p, "email", EMAIL_SCORE, same_email_words(r))

    def by_name(self, todo: list[Prepared]) -> None:
        remotes = Index(self.remotes, lambda r: name_keys(r.name))
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
            doubt = self.doubt(r, p)
            if doubt:
                self.notes[r.rec.id, p.rec.id] = f"same full name, but {doubt}"
                continue
            differ = r.email and p.email and r.email != p.email
            reason = "same full name; the emails differ" if differ else "same full name"
            self.link(r, p, "name", NAME_SCORE, reason)

    def doubt(self, r: Prepared, p: Prepared) -> str:
        """Why the name alone may tie p to another person of the same name, or ''.

        Only when the remote's address says nothing for p: none, or a personal one (a free
        mail service, or a domain no one else uses) that anyone of that name could have."""
        if r.email and not self.personal(r):
            return ""
        q = next((q for q in self.index.get("k:" + r.local) if q is not p), None)
        if q and r.local not in p.email_keys:
            return f"the remote's email looks like {shown(q)}'s"
        if r.rec.active and not p.rec.active:
            return "the directory person is inactive and the remote staff active"
        return ""

    def personal(self, r: Prepared) -> bool:
        domain = split_email(r.email)[1]
        return domain in WEBMAIL or domain in self.one_off

    def rival(self, r: Prepared, p: Prepared, remotes: Index) -> str:
        """Another free record close enough to be the same person as p or r, without a
        same-name counterpart of its own: then r and p are not one candidate each."""
        for q in self._near(r, self.index, lambda q: q.rec.id not in self.linked):
            if q is not p and not any(remotes.get("n:" + k) for k in q.name.keys):
                return f"{shown(q)} in the directory may be the same person"
        for q in self._near(p, remotes, lambda q: q.rec.id not in self.out):
            if q is not r and not any(self.index.get("n:" + k) for k in q.name.keys):
                return f"{shown(q)} in the remote list may be the same person"
        return ""

    @staticmethod
    def _near(a: Prepared, index: Index, free: Callable[[Prepared], bool]) -> Iterable[Prepared]:
        seen: set[int] = set()
        for key in name_keys(a.name):
            bucket = index.get(key)
            if key[:2] in ("ip", "gt") or (len(bucket) > COMMON_KEY and key[:2] != "n:"):
                continue  # these keys never reach a rival's score, or are too common
            for q in bucket:
                if id(q) not in seen and free(q):
                    seen.add(id(q))
                    if name_evidence(a.name, q.name)[0] >= RIVAL and close(a.name, q.name):
                        yield q

    def candidates(self, r: Prepared, *, every: bool = False) -> list[tuple]:
        """(rank, person, score, method, reason) of the free candidates worth showing.

        Exact, nickname and email keys first; the fuzzy ones (surname + initial, sound-alike,
        prefixes) only when those found nobody likely, or with `every` (the detail page)."""
        seen: set[int] = set()
        found: list[tuple] = []
        keys = remote_keys(r)
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
                    score, method, reason = pair_score(r, p, self.counts)
                    reason = self.notes.get((r.rec.id, p.rec.id), reason)
                    if score >= MIN_SUGGESTION:
                        found.append((rank(r, p, score), p, score, method, reason))
            if not every and any(t[2] >= LIKELY for t in found):
                break
        return found

    def suggest(self, todo: list[Prepared]) -> None:
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

    def _suggest(self, rid: Hashable, p: Prepared, score: float, method: str, reason: str) -> None:
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
    *, remote: Staff, directory: Sequence[Staff], roster: Sequence[Staff] = (), limit: int = 5
) -> list[tuple[Hashable, float, str]]:
    """The directory people most like one remote staff: (person id, score, reason), best first.

    `roster`, the other remote staff of its integration, gives what the whole list says (a
    partner domain that mirrors the directory's, namesakes on the remote side)."""
    others = [r for r in roster if r.id != remote.id]
    matcher = _Matcher(directory, [remote, *others])
    found = matcher.candidates(matcher.remotes[0], every=True)
    best = sorted(found, key=lambda t: (t[0], str(t[1].rec.id)), reverse=True)[:limit]
    return [(p.rec.id, round(min(score, 1.0), 3), reason) for _, p, score, _, reason in best]


def staff_caches_clear() -> None:
    """Forget every cached name (benchmarks measure cold runs)."""
    caches = (fold, name_of, name_roots, nickname_of, sound, name_evidence, name_keys, close)
    for cached in caches:
        cached.cache_clear()
