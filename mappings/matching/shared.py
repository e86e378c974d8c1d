"""What the matching cores share: statuses, decisions, how two names relate, and reasons.

A name relation is read off two `Name`s (mappings.matching.names) word by word: the first
names are the same, spelled differently (Stephen / Steven), a nickname (Bob / Robert), the
other's middle name, a typo, shortened (Alex / Alexander) or an initial; the last names the
same, spelled differently, a typo or one of two surnames. `name_evidence` turns that into a
score below "same full name" and a reason in plain words, for staff and people alike.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from mappings.matching.names import Name, nickname_related, sound

MATCHED = "matched"
NEEDS_REVIEW = "needs_review"
UNMATCHED = "unmatched"
NO_COUNTERPART = "no_counterpart"


@dataclass(frozen=True, slots=True)
class Fixed:
    """A decision a person made: re-matching returns it unchanged."""

    remote_id: Hashable
    status: str
    person_id: Hashable | None = None
    method: str = "manual"
    score: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one remote record: person_id is the link, or the top suggestion."""

    remote_id: Hashable
    status: str
    person_id: Hashable | None = None
    method: str = ""
    score: float | None = None
    reason: str = ""
    confirmed: bool = False


def typo(a: str, b: str) -> bool:
    """One edit apart (two for long names), swapped letters counting as one."""
    if a == b or min(len(a), len(b)) < 4:
        return False
    limit = 2 if min(len(a), len(b)) >= 8 else 1
    return OSA.distance(a, b, score_cutoff=limit) <= limit


def _readings(n: Name, part: int) -> set[str]:
    """The given names (part 0) or surnames (part 1) of every reading of a name."""
    return {key.split(" ", 1)[part] for key in n.keys}


def first_relation(a: Name, b: Name) -> str:
    """How two first names relate: same, spelling, nickname, middle, typo, short, initial, ''."""
    x, y = a.given, b.given
    if not x or not y:
        return "missing"
    if x == y or ((a.alternates or b.alternates) and _readings(a, 0) & _readings(b, 0)):
        return "same"
    if len(x) == 1 or len(y) == 1:
        return "initial" if x[0] == y[0] else ""
    if sound(x) == sound(y):
        return "spelling"
    if typo(x, y):
        return "typo"
    if nickname_related(x, y):
        return "nickname"
    if x in b.firsts or y in a.firsts:
        return "middle"
    short, long_ = sorted((x, y), key=len)
    return "short" if len(short) >= 3 and long_.startswith(short) else ""


def last_relation(a: Name, b: Name) -> str:
    """How two last names relate: same, spelling, typo, part (one of two surnames), ''."""
    x, y = a.surname, b.surname
    if not x or not y:
        return "missing"
    if x == y or ((a.alternates or b.alternates) and _readings(a, 1) & _readings(b, 1)):
        return "same"
    if sound(x) == sound(y):
        return "spelling"
    if typo(x, y):
        return "typo"
    if set(a.surnames) & set(b.surnames) and min(len(x), len(y)) >= 3:
        return "part"
    return ""


# How far each relation takes a pair below "same full name" (0.93), and how it reads.
_FIRST = {
    "same": (0.0, "same first name"),
    "spelling": (0.04, "first name spelled differently"),
    "nickname": (0.05, "nickname of first name"),
    "middle": (0.08, "first name is the other's middle name"),
    "typo": (0.09, "first name differs by a typo"),
    "short": (0.09, "first name shortened"),
    "initial": (0.15, "first name given as an initial"),
    "missing": (0.45, "no first name on one side"),
    "": (0.68, "different first names"),
}
_LAST = {
    "same": (0.0, "same last name"),
    "spelling": (0.03, "last name spelled differently"),
    "typo": (0.09, "last name differs by a typo"),
    "part": (0.12, "one of the last names"),
    "missing": (0.45, "no last name on one side"),
    "": (0.58, "different last names"),
}
_METHOD = {"nickname": "nickname", "middle": "nickname"}
FULL_NAME = 0.93


@lru_cache(maxsize=262144)
def name_evidence(a: Name, b: Name) -> tuple[float, str, str]:
    """How much two names say the records are one person: (score, method, reason).

    Cached: rosters repeat names, and a common name meets the same candidates many times."""
    first, last = first_relation(a, b), last_relation(a, b)
    if first == "same" and last == "same":
        return FULL_NAME, "name", "same full name"
    score = round(FULL_NAME - _FIRST[first][0] - _LAST[last][0], 3)
    swapped = _swapped(a, b)
    if swapped and swapped > score:
        return swapped, "swapped", "first and last names swapped"
    if score <= 0.2:
        return 0.0, "", ""
    close_last = last in ("same", "spelling", "typo", "part")
    method = _METHOD.get(first, "fuzzy") if close_last else "fuzzy"
    if first == "same":
        return score, method, f"same first name, {_LAST[last][1]}"
    return score, method, f"{_FIRST[first][1]}, {_LAST[last][1]}"


def _swapped(a: Name, b: Name) -> float:
    if not a.key or not b.key:
        return 0.0
    if a.given == b.surname and a.surname == b.given:
        return 0.85
    if (a.given == b.surname and typo(a.surname, b.given)) or (
        a.surname == b.given and typo(a.given, b.surname)
    ):
        return 0.72
    return 0.0


def join_reasons(reason: str, extra: str) -> str:
    """Two reasons in one line: 'nickname of first name, same last name; same email'."""
    return f"{reason}; {extra}" if reason and extra else reason or extra


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a matcher runs.

    A matcher makes hundreds of thousands of small objects that hold no reference cycles
    (reference counting frees them all); the collector's passes over a large client's records
    cost a third of the run (benchmarks/people_matching_speed.py: 8.1 s → 5.4 s for 50,000
    against 47,000). It is switched back on as it was, even after an error.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
