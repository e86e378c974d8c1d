"""The lead-source matching core (product.md §4): names in, decisions out. No ORM.

Same normalized name (one on each side) links automatically; singular / plural forms and
similar names are only suggested for review.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from mappings.matching.names import tokens
from mappings.matching.shared import MATCHED, NEEDS_REVIEW, UNMATCHED, Decision, Fixed

SIMILAR_CUTOFF = 85.0


@dataclass(frozen=True, slots=True)
class Source:
    """A lead source of either side: the client's canonical list or one platform's."""

    id: Hashable
    name: str
    active: bool = True


def lead_source_key(name: str) -> str:
    """The stored `LeadSource.normalized_name`: 'Walk-In ' and 'walk in' give 'walk in'."""
    return " ".join(tokens(name))[:100]


def _compact_key(name: str) -> str:
    """What exact matching compares: 'Walk-in', 'Walk In' and 'walkin' all give 'walkin'."""
    return "".join(tokens(name))


def _singular_key(name: str) -> str:
    return "".join(
        t[:-1] if len(t) > 2 and t.endswith("s") and not t.endswith("ss") else t
        for t in tokens(name)
    )


def _words(name: str) -> str:
    return " ".join(tokens(name))


def _exact(remote: Sequence[Source], canonical: Sequence[Source], taken: set) -> dict:
    by_key: dict[str, list[Source]] = defaultdict(list)
    for c in canonical:
        by_key[_compact_key(c.name)].append(c)
    remote_keys = Counter(_compact_key(r.name) for r in remote)
    out = {}
    for r in remote:
        key = _compact_key(r.name)
        found = by_key.get(key, [])
        if key and remote_keys[key] == 1 and len(found) == 1 and found[0].id not in taken:
            out[r.id] = Decision(r.id, MATCHED, found[0].id, "name", 1.0, "same name")
            taken.add(found[0].id)
    return out


def _suggest(r: Source, canonical: Sequence[Source], taken: set) -> Decision | None:
    free = [c for c in canonical if c.id not in taken]
    singular = _singular_key(r.name)
    same = [c for c in free if _singular_key(c.name) == singular and singular]
    if same:
        best = max(same, key=lambda c: c.active)
        reason = "same name" if _compact_key(best.name) == _compact_key(r.name) else ""
        reason = reason or "same name, singular or plural"
        return Decision(r.id, NEEDS_REVIEW, best.id, "name", 0.9, reason)
    hit = process.extractOne(
        _words(r.name), [_words(c.name) for c in free], scorer=fuzz.WRatio, score_cutoff=70
    )
    if hit is None:
        return None
    _, score, index = hit
    if score < SIMILAR_CUTOFF:
        return None
    return Decision(
        r.id, NEEDS_REVIEW, free[index].id, "fuzzy", round(score / 100 * 0.85, 3), "similar name"
    )


def match_lead_sources(
    *, canonical: Sequence[Source], remote: Sequence[Source], fixed: Iterable[Fixed] = ()
) -> list[Decision]:
    """One decision per remote lead source, in order; `fixed` decisions come back unchanged."""
    kept = {f.remote_id: f for f in fixed}
    taken = {f.person_id for f in kept.values() if f.person_id is not None}
    todo = [r for r in remote if r.id not in kept]
    out = _exact(todo, canonical, taken)
    result = []
    for r in remote:
        if r.id in kept:
            f = kept[r.id]
            result.append(
                Decision(r.id, f.status, f.person_id, f.method, f.score, f.reason, confirmed=True)
            )
        elif r.id in out:
            result.append(out[r.id])
        else:
            result.append(_suggest(r, canonical, taken) or Decision(r.id, UNMATCHED))
    return result
