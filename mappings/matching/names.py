"""Name and email normalization for matching: pure functions, no ORM.

Names are folded (case, accents, punctuation, spacing) into a *given* name (the first
non-initial token of the first name) and a *surname* (the last-name tokens joined, so
"Smith-Jones" and "Smith Jones" agree). Middle names, initials and suffixes are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from nicknames import NickNamer

# Letters that NFKD does not decompose into a base letter plus an accent.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",
    }
)
_APOSTROPHES = re.compile("['`\u2018\u2019\u00b4]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_LOCAL_JUNK = re.compile(r"[^a-z]+")

# Diminutives the `nicknames` package (English names) lacks: common in European clubs.
CURATED_NICKNAMES: dict[str, tuple[str, ...]] = {
    "jose": ("pepe", "pepito", "chema"),
    "francisco": ("paco", "pancho", "curro", "fran"),
    "ignacio": ("nacho",),
    "dolores": ("lola",),
    "manuel": ("manolo", "manu"),
    "guadalupe": ("lupe",),
    "concepcion": ("concha",),
    "enrique": ("quique",),
    "josef": ("sepp", "jupp", "joe"),
    "joseph": ("sepp", "beppe", "pepe"),
    "johannes": ("hannes", "hans", "jo"),
    "friedrich": ("fritz",),
    "wolfgang": ("wolf",),
    "giuseppe": ("beppe", "peppe", "pino"),
    "luigi": ("gigi",),
    "alessandro": ("sandro", "alex"),
    "francesca": ("franci", "cesca"),
    "alexander": ("sasha", "sascha", "xander"),
    "alexandra": ("sasha", "sascha", "sandra"),
    "aleksandr": ("sasha",),
    "dmitri": ("dima",),
    "vladimir": ("vova", "volodya"),
    "ekaterina": ("katya", "katia"),
    "katherine": ("kate", "katie", "kat", "kathy", "kitty"),
    "catherine": ("cathy", "cat", "kate", "katie"),
    "margaret": ("maggie", "meg", "peggy"),
    "guillaume": ("guigui",),
    "antonio": ("toni", "tony", "tono"),
    "roberto": ("beto", "rob"),
    "eduardo": ("edu", "lalo"),
}


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip accents and apostrophes: "Zoë O'Brien" → 'zoe obrien'."""
    text = text.strip().lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", text)


def tokens(text: str) -> list[str]:
    """The folded words of a name (hyphens, dots and commas split words)."""
    return [tok for tok in _NON_ALNUM.split(fold(text)) if tok]


def _drop_initials(words: list[str]) -> list[str]:
    kept = [w for w in words if len(w) > 1 and w not in _SUFFIXES]
    return kept or words[:1]


def name_parts(first_name: str, last_name: str) -> tuple[str, str]:
    """(given, surname) of a name, '' where missing; a full name in one field is split."""
    first, last = tokens(first_name), tokens(last_name)
    if not last and len(first) > 1:
        first, last = first[:1], first[1:]
    elif not first and len(last) > 1:
        first, last = last[:1], last[1:]
    first, last = _drop_initials(first), _drop_initials(last)
    return (first[0] if first else ""), "".join(last)


def email_norm(email: str) -> str:
    """An email trimmed and lower-cased ('' when it has no '@')."""
    email = (email or "").strip().lower()
    return email if "@" in email else ""


def email_local_key(email: str) -> str:
    """The letters of an email's local part: 'John.Smith+x@club' → 'johnsmith'."""
    local = email.split("@", 1)[0].split("+", 1)[0]
    return _LOCAL_JUNK.sub("", fold(local))


def name_email_keys(given: str, surname: str) -> frozenset[str]:
    """Email local parts a person with this name would plausibly have."""
    if not given or not surname:
        return frozenset()
    return frozenset({given + surname, surname + given, given[0] + surname, surname + given[0]})


@cache
def _nicknamer() -> NickNamer:
    lookup = NickNamer.default_lookup()
    for canonical, nicks in CURATED_NICKNAMES.items():
        lookup.setdefault(canonical, set()).update(nicks)
    return NickNamer(nickname_lookup=lookup)


@cache
def name_roots(given: str) -> frozenset[str]:
    """The name itself and the formal names it may be a nickname of (two hops)."""
    if len(given) < 2:
        return frozenset({given})
    namer = _nicknamer()
    roots = {given} | namer.canonicals_of(given)
    for root in list(roots):
        roots |= namer.canonicals_of(root)
    return frozenset(roots)


def nickname_related(a: str, b: str) -> bool:
    """True when two different given names share a formal name (Bob / Robert, Liz / Beth)."""
    return a != b and bool(name_roots(a) & name_roots(b))
