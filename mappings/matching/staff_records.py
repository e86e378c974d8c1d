"""Staff records as the matcher compares them, the keys they are found by, and counts. No ORM.

A record is prepared once (its name folded, its email normalized, the local parts its name
would give); a remote address at a partner domain that mirrors the directory's is read at the
directory domain (staff_roster.domain_aliases). Records are found by blocking keys (email,
name, swapped name, surname + initial, nickname root + surname, sound-alike name, email local
part ↔ name-shaped keys), never by comparing all pairs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from mappings.matching.names import (
    Name,
    email_local_key,
    email_norm,
    name_email_keys,
    name_of,
    name_roots,
    sound,
)
from mappings.matching.staff_roster import domain_aliases, split_email


@dataclass(frozen=True, slots=True)
class Staff:
    """One staff record of either side: a directory person or a remote staff."""

    id: Hashable
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    active: bool = True


@dataclass(slots=True)
class Prepared:
    """One record ready to compare."""

    rec: Staff
    name: Name
    email: str
    local: str  # the letters of the email's local part
    email_keys: frozenset[str]  # the local parts this record's name would give
    partner_domain: str = ""  # the remote's own domain, when `email` is read at the directory's


def prepare(rec: Staff) -> Prepared:
    name = name_of(rec.first_name, rec.last_name)
    email = email_norm(rec.email)
    local = email_local_key(email) if email else ""
    return Prepared(rec, name, email, local, name_email_keys(name.given, name.surname))


def read_at_directory_domains(remotes: list[Prepared], people: list[Prepared]) -> None:
    """A remote address at a partner domain that mirrors a directory one is read there."""
    aliases = domain_aliases(
        ((p.name.key, p.email) for p in people), ((r.name.key, r.email) for r in remotes)
    )
    for r in remotes:
        local, domain = split_email(r.email)
        if domain in aliases:
            r.email, r.partner_domain = f"{local}@{aliases[domain]}", domain


def one_off_domains(people: list[Prepared], remotes: list[Prepared]) -> set[str]:
    """Domains only one address of the two rosters is at: someone's own."""
    counts = Counter(split_email(x.email)[1] for x in (*people, *remotes) if x.email)
    return {domain for domain, count in counts.items() if count == 1}


def same_email_words(r: Prepared) -> str:
    if r.partner_domain:
        return f"same email (at the partner's domain {r.partner_domain})"
    return "same email"


@lru_cache(maxsize=65536)
def name_keys(n: Name) -> frozenset[str]:
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


def person_keys(p: Prepared) -> set[str]:
    keys = set(name_keys(p.name))
    if p.email:
        keys.add("e:" + p.email)
    if p.local:
        keys.add("l:" + p.local)
    keys.update("k:" + k for k in p.email_keys)
    return keys


def remote_keys(r: Prepared) -> set[str]:
    keys = set(name_keys(r.name))
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


class Index:
    """Records by blocking key: each lookup returns a short list."""

    def __init__(
        self, records: list[Prepared], keys_of: Callable[[Prepared], Iterable[str]]
    ) -> None:
        self.by: dict[str, list[Prepared]] = defaultdict(list)
        for p in records:
            for key in keys_of(p):
                self.by[key].append(p)

    def get(self, key: str) -> list[Prepared]:
        return self.by.get(key, [])


class Counts:
    """How many records of each side have an email or a name key; who owns each email."""

    def __init__(self, people: list[Prepared], remotes: list[Prepared], index: Index) -> None:
        self.index = index
        self.p_email = Counter(p.email for p in people if p.email)
        self.r_email = Counter(r.email for r in remotes if r.email)
        self.p_key = Counter(k for p in people for k in suffixed(p.name))
        self.r_key = Counter(k for r in remotes for k in suffixed(r.name))
        self.owner = {p.email: p.rec.id for p in people if p.email}

    def shared_email(self, email: str) -> bool:
        return self.p_email[email] > 1 or self.r_email[email] > 1

    def others_email(self, r: Prepared, p: Prepared) -> bool:
        """The remote's email is a directory address, and not p's."""
        return bool(r.email) and r.email != p.email and r.email in self.owner

    def named_after_another(self, r: Prepared, p: Prepared) -> Prepared | None:
        """Another directory person whose full name (or whose name's login) the remote has,
        when p's is not the remote's: an address handed on or borrowed."""
        if r.name.key:
            if any(k in p.name.keys for k in r.name.keys):
                return None
            others = [q for k in r.name.keys for q in self.index.get("n:" + k)]
        elif r.name.login and r.name.login not in p.email_keys:
            others = self.index.get("k:" + r.name.login)
        else:
            return None
        return next((q for q in others if q is not p), None)

    def namesakes(self, r: Prepared, p: Prepared) -> str:
        """Why the same full name is not unique, or ''.

        A name with a suffix is unique when no one else has it with that suffix; one without
        when no one else has it at all ("John Smith" may be his son, "John Smith Jr" not).
        """
        shared_p = max(self.p_key[k] for k in own_keys(p.name))
        if shared_p > 1:
            return f"same full name as {shared_p} directory people"
        shared_r = max(self.r_key[k] for k in own_keys(r.name))
        return f"same full name as {shared_r} remote staff" if shared_r > 1 else ""


def suffixed(n: Name) -> set[str]:
    """The keys a name counts under: its keys, and with a suffix also 'key|suffix'."""
    return {*n.keys, *(f"{k}|{n.suffix}" for k in n.keys if n.suffix)}


def own_keys(n: Name) -> set[str]:
    """The keys whose count says whether a name is unique (with its suffix, if it has one)."""
    return {f"{k}|{n.suffix}" for k in n.keys} if n.suffix else set(n.keys)


def shown(p: Prepared) -> str:
    return " ".join(part.strip() for part in (p.rec.first_name, p.rec.last_name) if part.strip())
