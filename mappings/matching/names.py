"""Name, email and phone normalization for matching: pure functions, no ORM.

Names are folded (case, accents, punctuation, spacing) into a *given* name (the first
non-initial token of the first name) and a *surname* (the last-name tokens joined, so
"Smith-Jones" and "Smith Jones" agree). Middle names, initials and suffixes are ignored for
the key (the suffix is kept aside: "John Smith Jr" is not his father). A name in one field
("Anna Berg", "Berg, Anna") is split; a one-word login ("jsmith", "smith.j") is kept as a
login, not read as a name. Accents written out by ASCII-only systems ("Jörg" / "Joerg")
give a second spelling of the key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
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
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "junior", "senior"})
_SUFFIX_SAME = {"junior": "jr", "senior": "sr"}
# How ASCII-only systems write accented letters (German, Scandinavian): the second spelling.
_WRITTEN_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "ø": "oe", "æ": "ae"})
_LOGIN = re.compile(r"[a-z0-9]+[._][a-z0-9]+|[a-z]+[0-9]*")
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
    "malgorzata": ("gosia", "malgosia"),
    "agnieszka": ("aga", "agusia"),
    "katarzyna": ("kasia",),
    "barbara": ("basia", "barb"),
    "jakub": ("kuba",),
    "william": ("liam",),
    "mikhail": ("misha",),
    "nikolai": ("kolya",),
    "irina": ("ira",),
    "olga": ("olya",),
    "oliver": ("olly", "ollie"),
    "leonardo": ("leo",),
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
    return kept or [w for w in words if w not in _SUFFIXES][:1]


@dataclass(frozen=True, slots=True, eq=False)
class Name:
    """A name as matching compares it.

    Compared and hashed by identity: `name_of` hands out one object per spelling, and the
    caches keyed by names (`name_evidence`) stay cheap.
    """

    given: str = ""  # 'john' ('' when unknown)
    surname: str = ""  # 'smithjones' (the last-name words joined)
    firsts: tuple[str, ...] = ()  # every first-name word: a middle name may be the one used
    surnames: tuple[str, ...] = ()  # the last-name words ('smith', 'jones')
    suffix: str = ""  # 'jr', 'sr', 'ii', ... ('' when none)
    alternates: tuple[str, ...] = ()  # other readings of the key: accents written out
    # ('jorg muller' → 'joerg mueller'), a name in one field read with middle names
    login: str = ""  # the letters of a one-word login-style name ('smith.j' → 'smithj')
    key: str = ""  # 'given surname' when both are known, else ''
    keys: tuple[str, ...] = ()  # the key and its other readings


def _split(first: list[str], last: list[str]) -> tuple[list[str], list[str]]:
    if not last and len(first) > 1:
        return first[:1], first[1:]
    if not first and len(last) > 1:
        return last[:1], last[1:]
    return first, last


def _words(first_name: str, last_name: str) -> tuple[list[str], list[str], bool]:
    """First-name and last-name words, and whether they came from one field."""
    if "," in first_name and not last_name.strip():  # "Berg, Anna" in one field
        last_name, _, first_name = first_name.partition(",")
        return tokens(first_name), tokens(last_name), False
    first, last = tokens(first_name), tokens(last_name)
    one_field = not first or not last
    return (*_split(first, last), one_field)


def _parse(first_name: str, last_name: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(first words, last words, the suffixes, other readings of the last words)."""
    first, last, one_field = _words(first_name, last_name)
    suffixes = [w for w in first + last if w in _SUFFIXES]
    first, last = _drop_initials(first), _drop_initials(last)
    others = []
    if one_field and len(last) > 1:  # "Anna Marie Berg": Marie may be a middle name
        others.append(last[-1])
    return first, last, suffixes, others


@lru_cache(maxsize=65536)
def name_of(first_name: str, last_name: str) -> Name:
    """The compared form of a name (cached: rosters repeat names)."""
    raw = f"{first_name} {last_name}".strip().lower()
    if " " not in raw and _LOGIN.fullmatch(raw) and any(c in raw for c in "._0123456789"):
        return Name(login=_LOCAL_JUNK.sub("", raw))
    first, last, suffixes, others = _parse(first_name, last_name)
    given, surname = (first[0] if first else ""), "".join(last)
    alternates = [f"{given} {other}" for other in others] if given else []
    if given and surname and not raw.isascii():
        out = _parse(
            first_name.lower().translate(_WRITTEN_OUT), last_name.lower().translate(_WRITTEN_OUT)
        )
        if out[0] and out[1]:
            alternates.append(f"{out[0][0]} {''.join(out[1])}")
    key = f"{given} {surname}"
    alternates = list(dict.fromkeys(a for a in alternates if a != key))
    suffix = _SUFFIX_SAME.get(suffixes[0], suffixes[0]) if suffixes else ""
    login = given if given and not surname and not last_name.strip() else ""
    key = key if given and surname else ""
    keys = (key, *alternates) if key else ()
    return Name(
        given, surname, tuple(first), tuple(last), suffix, tuple(alternates), login, key, keys
    )


def name_parts(first_name: str, last_name: str) -> tuple[str, str]:
    """(given, surname) of a name, '' where missing; a full name in one field is split."""
    name = name_of(first_name, last_name)
    return name.given, name.surname


@lru_cache(maxsize=65536)
def sound(word: str) -> str:
    """A rough spelling-free form of a name word: Stephen / Steven, Smyth / Smith, Jon / John."""
    word = word.replace("ph", "f").replace("ck", "k").replace("th", "t").replace("sch", "sh")
    word = word.translate(_SOUND)
    out = word[:1]
    for ch in word[1:]:
        if ch != "h" and ch != out[-1]:
            out += ch
    return out


_SOUND = str.maketrans({"v": "f", "c": "k", "q": "k", "y": "i", "z": "s"})


def email_norm(email: str) -> str:
    """An email trimmed and case-folded ('' when it has no '@')."""
    email = (email or "").strip().casefold()
    return email if "@" in email else ""


# Already E.164 in the North American Numbering Plan (+1, an area code that starts with 2-9,
# 10 digits), or ten / eleven such digits in a NANP region, and valid in the US by
# phonenumbers' own metadata: phonenumbers gives the same (tests/mappings/test_phones.py proves
# it), at a tenth of the cost. A number valid elsewhere in the plan (Canada, the Caribbean)
# takes the full path.
_NANP_E164 = re.compile(r"\+1[2-9]\d{9}")
_NANP_DIGITS = re.compile(r"(?:\+1|1)?([2-9]\d{9})")
_NANP_REGIONS = frozenset({"US", "CA"})
_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")


def _valid_in_us() -> re.Pattern[str]:
    """The national numbers phonenumbers' metadata calls valid in the US (its
    `is_valid_number_for_region`: the general pattern, and one of a number type's)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("US")
    assert meta is not None and meta.general_desc is not None
    kinds = (
        meta.fixed_line, meta.mobile, meta.toll_free, meta.premium_rate, meta.shared_cost,
        meta.personal_number, meta.voip, meta.pager, meta.uan, meta.voicemail,
    )
    types = "|".join(
        f"(?:{kind.national_number_pattern})"
        for kind in kinds
        if kind is not None and kind.national_number_pattern
    )
    return re.compile(f"(?=(?:{meta.general_desc.national_number_pattern})$)(?:{types})")


_VALID_IN_US = _valid_in_us()


@lru_cache(maxsize=262144)
def phone_e164(phone: str, region: str = "US") -> str:
    """A valid phone number in E.164 ('+12125550123'), '' when empty or not a valid number
    (phonenumbers' `is_valid_number`: '555-1234' is a possible number, not a valid one).

    National numbers are read in `region`; a leading 00 is the international prefix
    ('0044 7700 900123' is '+447700900123', even where the region dials 011). An extension
    ('ext. 42') is read and left out: E.164 has none."""
    text = (phone or "").strip()
    if not text:
        return ""
    if _NANP_E164.fullmatch(text) and _VALID_IN_US.fullmatch(text[2:]):
        return text
    if region in _NANP_REGIONS:
        found = _NANP_DIGITS.fullmatch(_PHONE_SEPARATORS.sub("", text))
        if found and _VALID_IN_US.fullmatch(found.group(1)):
            return "+1" + found.group(1)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_local_key(email: str) -> str:
    """The letters of an email's local part: 'John.Smith+x@club' → 'johnsmith'."""
    local = email.split("@", 1)[0].split("+", 1)[0]
    return _LOCAL_JUNK.sub("", fold(local))


def name_email_keys(given: str, surname: str) -> frozenset[str]:
    """Email local parts a person with this name would plausibly have."""
    if not given or not surname:
        return frozenset()
    initial, last_initial = given[0], surname[0]
    return frozenset(
        {
            given + surname,
            surname + given,
            initial + surname,
            surname + initial,
            given + last_initial,
        }
    )


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


@lru_cache(maxsize=65536)
def nickname_of(a: str, b: str) -> bool:
    """One given name is a listed nickname of the other (Bob / Robert), not only related
    through a third name (Robert and William both give Bill)."""
    namer = _nicknamer()
    return a != b and (b in namer.nicknames_of(a) or a in namer.nicknames_of(b))
