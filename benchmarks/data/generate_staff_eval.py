"""Generate the labeled staff-matching evaluation set, deterministically (seeded).

    .venv/bin/python benchmarks/data/generate_staff_eval.py [OUT.csv [SEED]]

One CSV, one row per staff record: `club,side,external_id,first_name,last_name,email,active,
truth,case` where side is `directory` or `remote`, and for remote rows `truth` is the
directory external id of the same person ('' when the person has no counterpart) and `case`
says how the record was varied (exact, other_domain, personal, nickname, typo, swapped,
login, accents, initial, married, homonym, namesake, shared_email, colleague_email, ...).

The mix is an assumption modelled on club launches (issue 15's held-out rosters): a third of
the partner platforms give every staff an address at a platform-wide second domain
(`anna.berg@club07.club` against `anna.berg@club07-fitness.com`, or the platform's own
pattern `aberg@...`); elsewhere about six in ten remote records carry the directory's work
email, a share of them a personal address (`personal_rate`, varied by the benchmark) and the
rest none; most names differ only cosmetically (case, accents, spacing, middle names, the
full name in one field, "Last, First"), some are nicknames, typos, swapped, login-style
accounts (`jsmith`, `smith.j`) or accents written out (`Joerg`); and the traps are there:
former employees and fathers / sons with the same name, namesakes of people who are not on
the other side, shared front-desk mailboxes, a colleague's address on an account, an account
handed on to a new hire, duplicate accounts, people on one side only.
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from eval_names import (
    FIRST,
    LAST,
    NICKNAMES,
    ascii_fold,
    cosmetic,
    login,
    personal_email,
    slug,
    typo,
    weighted,
    work_email,
    written_out,
)

SEED = 20261126
HOLDOUT_SEED = 4111
CLUBS = 40
OUT = Path(__file__).with_name("staff_eval.csv")
PERSONAL_EMAIL_RATE = 0.15  # remote records with a personal address (outside platform domains)
SECOND_DOMAIN_RATE = 0.33  # platforms that give every staff an address at their own domain
NAMESAKE_RATE = 0.05  # clubs with a remote-only namesake of a person absent from the remote


@dataclass(frozen=True)
class Row:
    club: str
    side: str
    external_id: str
    first_name: str
    last_name: str
    email: str
    active: bool
    truth: str = ""
    case: str = ""


@dataclass(frozen=True)
class Platform:
    """How one club's partner platform keeps its staff."""

    second_domain: str  # '' or the domain every staff address is at
    own_pattern: str  # '' (the directory's local part) or the platform's pattern
    one_field: str  # '' / 'full' ("Anna Berg" in first_name) / 'comma' ("Berg, Anna")
    upper: bool
    ascii_only: bool
    personal_rate: float


def platform(rng: random.Random, club: str, personal_rate: float, second_rate: float):
    second = rng.random() < second_rate
    return Platform(
        second_domain=rng.choice([f"{club}.club", f"{club}.staffmail.app"]) if second else "",
        own_pattern=rng.choice(["", "", "{i}{l}", "{f}{l}", "{l}.{f}"]),
        one_field=rng.choice(["", "", "", "", "full", "comma"]),
        upper=rng.random() < 0.12,
        ascii_only=rng.random() < 0.3,
        personal_rate=min(0.95, personal_rate * rng.uniform(0.5, 1.5)),
    )


def directory_people(rng: random.Random, club: str, count: int, domain: str) -> list[Row]:
    people = []
    for n in range(count):
        first, last = weighted(rng, FIRST), weighted(rng, LAST)
        email = work_email(rng, first, last, domain) if rng.random() < 0.9 else ""
        active = rng.random() < 0.85
        people.append(Row(club, "directory", f"{club}-P{n:03d}", first, last, email, active))
    # Work emails are unique per person in a directory, except where a trap shares one.
    seen: set[str] = set()
    unique = []
    for p in people:
        if p.email in seen:
            local = f"{slug(p.first_name)}.{slug(p.last_name)}.{p.external_id[-3:]}"
            p = replace(p, email=f"{local}@{domain}")
        seen.add(p.email)
        unique.append(p)
    return unique


def remote_name(rng: random.Random, p: Row, plat: Platform) -> tuple[str, str, str]:
    """(first, last, case) of the remote record of directory person p."""
    roll = rng.random()
    if roll < 0.05 and p.first_name in NICKNAMES:
        return rng.choice(NICKNAMES[p.first_name]), p.last_name, "nickname"
    if roll < 0.085:
        which = rng.random()
        if which < 0.45:
            return typo(rng, p.first_name), p.last_name, "typo"
        if which < 0.9:
            return p.first_name, typo(rng, p.last_name), "typo"
        return typo(rng, p.first_name), typo(rng, p.last_name), "typo"
    if roll < 0.1:
        return p.last_name, p.first_name, "swapped"
    if roll < 0.11:
        return p.first_name, weighted(rng, LAST), "married"
    if roll < 0.12:
        return f"{p.first_name[0]}.", p.last_name, "initial"
    if roll < 0.14:
        return login(rng, p.first_name, p.last_name), "", "login"
    if plat.ascii_only:
        first, last = written_out(p.first_name), written_out(p.last_name)
        if (first, last) != (ascii_fold(p.first_name), ascii_fold(p.last_name)):
            return first, last, "accents"
    first, last = cosmetic(rng, p.first_name, p.last_name)
    return first, last, "exact"


def remote_email(rng: random.Random, p: Row, plat: Platform, first: str, last: str) -> str:
    if plat.second_domain and rng.random() < 0.85:
        if plat.own_pattern or not p.email:
            pattern = plat.own_pattern or "{f}.{l}"
            local = pattern.format(f=slug(first), l=slug(last), i=slug(first)[:1])
        else:
            local = p.email.split("@")[0]
        return f"{local}@{plat.second_domain}"
    if rng.random() < plat.personal_rate:
        return personal_email(rng, p.first_name, p.last_name)
    if p.email and rng.random() < 0.75:
        return rng.choice([p.email, p.email.upper(), f" {p.email} ", p.email.capitalize()])
    return ""


def shaped(first: str, last: str, plat: Platform) -> tuple[str, str]:
    """The name as this platform stores it (one field, upper case)."""
    if plat.one_field == "full" and last:
        first, last = f"{first.strip()} {last.strip()}", ""
    elif plat.one_field == "comma" and last:
        first, last = f"{last.strip()}, {first.strip()}", ""
    if plat.upper:
        first, last = first.upper(), last.upper()
    return first, last


def remote_record(rng: random.Random, p: Row, n: int, plat: Platform) -> Row:
    first, last, case = remote_name(rng, p, plat)
    email = remote_email(rng, p, plat, first if case != "login" else p.first_name, p.last_name)
    if case == "login" and rng.random() < 0.5:
        email = f"{first}@{plat.second_domain or rng.choice(['gmail.com', 'outlook.com'])}"
    if case == "exact" and email and email.strip().lower() != p.email:
        case = "other_domain" if plat.second_domain and plat.second_domain in email else "personal"
    if case != "login":
        first, last = shaped(first, last, plat)
    active = p.active if rng.random() < 0.93 else not p.active
    external_id = f"{p.club}-S{n:03d}"
    return Row(p.club, "remote", external_id, first, last, email, active, p.external_id, case)


def _remote(club: str, key: str, first: str, last: str, email: str, truth: str, case: str):
    return Row(club, "remote", f"{club}-{key}", first, last, email, True, truth, case)


def homonyms(rng: random.Random, club: str, people: list[Row], remote: list[Row]):
    """A former employee, or a father and son, with the same name as a directory person."""
    extra_people, extra_remote = [], []
    twin = rng.choice([p for p in people if p.active])
    junior = rng.random() < 0.3
    old = replace(
        twin,
        external_id=f"{club}-P9{len(people):02d}",
        last_name=f"{twin.last_name} Jr" if junior else twin.last_name,
        email="",
        active=junior,
    )
    extra_people.append(old)
    if rng.random() < 0.5:
        extra_remote.append(
            replace(
                _remote(
                    club, "S900", old.first_name, old.last_name, "", old.external_id, "homonym"
                ),
                active=old.active,
            )
        )
    for i, r in enumerate(remote):
        if r.truth == twin.external_id:
            remote[i] = replace(r, case="homonym")
    return extra_people, extra_remote


def traps(
    rng: random.Random,
    club: str,
    people: list[Row],
    remote: list[Row],
    domain: str,
    namesake_rate: float,
):
    """Homonyms, shared mailboxes, borrowed addresses and people on one side only."""
    extra_people, extra_remote = [], []
    if rng.random() < 0.5:
        extra_people, extra_remote = homonyms(rng, club, people, remote)
    if rng.random() < 0.4:  # front-desk staff sharing one mailbox in the remote system
        for i in rng.sample(range(len(remote)), k=min(3, len(remote))):
            remote[i] = replace(remote[i], email=f"frontdesk@{domain}", case="shared_email")
    if rng.random() < 0.25:  # an account carrying a colleague's address
        i, j = rng.sample(range(len(remote)), k=2)
        colleague = next(p for p in people if p.external_id == remote[j].truth)
        if colleague.email:
            remote[i] = replace(remote[i], email=colleague.email, case="colleague_email")
    absent = [p for p in people if p.external_id not in {r.truth for r in remote}]
    if absent and rng.random() < 0.2:  # an account of someone who left, handed to a new hire
        gone = rng.choice(absent)
        if gone.email:
            first, last = weighted(rng, FIRST), weighted(rng, LAST)
            extra_remote.append(_remote(club, "S600", first, last, gone.email, "", "handed_on"))
    if absent and rng.random() < namesake_rate:  # a namesake of a person not on the other side
        p = rng.choice(absent)
        email = personal_email(rng, p.first_name, p.last_name) if rng.random() < 0.6 else ""
        extra_remote.append(_remote(club, "S700", p.first_name, p.last_name, email, "", "namesake"))
    if rng.random() < 0.15:  # the same person twice in the remote system: one can be linked
        r = rng.choice([r for r in remote if r.case in ("exact", "personal", "other_domain")])
        extra_remote.append(
            replace(r, external_id=f"{club}-S500", truth="", active=False, case="duplicate_account")
        )
    for k in range(rng.randint(2, 6)):  # trainers only in the remote system
        first, last = weighted(rng, FIRST), weighted(rng, LAST)
        email = personal_email(rng, first, last) if rng.random() < 0.5 else ""
        extra_remote.append(_remote(club, f"S8{k:02d}", first, last, email, "", "remote_only"))
    return extra_people, extra_remote


def club_rows(
    rng: random.Random, index: int, personal_rate: float, second_rate: float, namesake_rate: float
) -> list[Row]:
    club = f"club{index:02d}"
    domain = f"{club}-fitness.com"
    plat = platform(rng, club, personal_rate, second_rate)
    people = directory_people(rng, club, rng.randint(35, 110), domain)
    present = [p for p in people if rng.random() < 0.9]
    remote = [remote_record(rng, p, n, plat) for n, p in enumerate(present)]
    extra_people, extra_remote = traps(rng, club, people, remote, domain, namesake_rate)
    return people + extra_people + remote + extra_remote


def generate(
    seed: int = SEED,
    clubs: int = CLUBS,
    personal_rate: float = PERSONAL_EMAIL_RATE,
    second_rate: float = SECOND_DOMAIN_RATE,
    namesake_rate: float = NAMESAKE_RATE,
) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for index in range(clubs):
        rows.extend(club_rows(rng, index, personal_rate, second_rate, namesake_rate))
    return rows


def write(rows: list[Row], out: Path) -> None:
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*Row.__dataclass_fields__])
        for r in rows:
            active = "true" if r.active else "false"
            writer.writerow(
                [
                    r.club,
                    r.side,
                    r.external_id,
                    r.first_name,
                    r.last_name,
                    r.email,
                    active,
                    r.truth,
                    r.case,
                ]
            )


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else SEED
    rows = generate(seed)
    write(rows, out)
    people = sum(r.side == "directory" for r in rows)
    print(f"{out}: {CLUBS} clubs, {people} directory people, {len(rows) - people} remote staff")


if __name__ == "__main__":
    main()
