"""Generate the labeled staff-matching evaluation set, deterministically (seeded).

    .venv/bin/python benchmarks/data/generate_staff_eval.py  # writes staff_eval.csv here

One CSV, one row per staff record: `club,side,external_id,first_name,last_name,email,active,
truth,case` where side is `directory` or `remote`, and for remote rows `truth` is the
directory external id of the same person ('' when the person is on the remote side only) and
`case` says how the record was varied (exact, nickname, typo, swapped, married, username,
homonym, shared_email, remote_only, ...).

The mix is an assumption modelled on club launches: about two thirds of remote records carry
the same work email as the directory (the spec's "email-only finds about 64%"), a quarter no
email, the rest a personal or old address; most names differ only cosmetically (case,
accents, spacing, middle names); a few percent are nicknames, typos, swapped or changed names.
"""

from __future__ import annotations

import csv
import random
import sys
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

SEED = 20261126
CLUBS = 36
OUT = Path(__file__).with_name("staff_eval.csv")


def _names(text: str) -> list[str]:
    return [name.replace("_", " ") for name in text.split()]


FIRST = _names(
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel "
    "Matthew Anthony Mark Steven Andrew Joshua Kevin Brian George Edward Ronald Timothy Jason "
    "Jeffrey Ryan Jacob Nicholas Jonathan Samuel Benjamin Patrick Alexander Mary Patricia "
    "Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Margaret Sandra "
    "Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Laura "
    "Sharon Cynthia Kathleen Amy Angela Katherine Victoria Samantha Olivia Emma Sophia Chloe "
    "José Francisco Manuel Javier Lucía Carmen María Sofía Pablo Álvaro Jürgen Jörg Günter "
    "Lukas Felix Johannes Anna Lena Hannah Zoë Chloé Hélène Françoise Amélie Noël Léa Théo "
    "Giuseppe Luigi Marco Giulia Chiara Francesca Łukasz Piotr Agnieszka Małgorzata Søren "
    "Björn Åsa Ingrid Sven Astrid Niamh Siobhán Aoife Seán Priya Arjun Wei Mei Yuki Kenji "
    "Fatima Omar Ahmed Layla Nikolai Dmitri Olga Irina Aleksandr"
)
LAST = _names(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
    "Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King "
    "Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell "
    "Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson "
    "Bailey Reed Kelly Howard García Rodríguez Martínez Hernández López González Pérez Sánchez "
    "Ramírez Torres Flores Díaz Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker "
    "Schäfer Köhler Dubois Lefèvre Moreau Laurent Girard Bonnet Rossi Russo Ferrari Esposito "
    "Bianchi Romano Kowalski Nowak Wiśniewski Wójcik Lewandowski Jensen Nielsen Hansen "
    "Andersson Johansson Karlsson Nilsson Ström O'Brien O'Connor O'Neill McCarthy Murray "
    "Fitzgerald Patel Sharma Singh Chen Wang Li Zhang Tanaka Suzuki Sato Khan Ali Hassan "
    "Ivanov Petrov Smirnov Van_der_Berg De_Jong Van_Dijk Dupont-Moreau Smith-Jones"
)
NICKNAMES = {
    "Robert": ["Bob", "Rob", "Bobby"],
    "William": ["Bill", "Will", "Billy"],
    "Elizabeth": ["Liz", "Beth", "Lizzie"],
    "Katherine": ["Kate", "Katie", "Kathy"],
    "Michael": ["Mike", "Mikey"],
    "Christopher": ["Chris"],
    "Jennifer": ["Jen", "Jenny"],
    "James": ["Jim", "Jimmy", "Jamie"],
    "Margaret": ["Maggie", "Peggy", "Meg"],
    "Alexander": ["Alex", "Sasha"],
    "Aleksandr": ["Sasha"],
    "Francisco": ["Paco", "Fran"],
    "José": ["Pepe"],
    "Manuel": ["Manolo"],
    "Daniel": ["Dan", "Danny"],
    "Thomas": ["Tom", "Tommy"],
    "Nicholas": ["Nick", "Nicky"],
    "Anthony": ["Tony"],
    "Richard": ["Rick", "Dick", "Rich"],
    "Edward": ["Ed", "Ted", "Eddie"],
    "Patricia": ["Pat", "Trish", "Patty"],
    "Susan": ["Sue", "Susie"],
    "Rebecca": ["Becky", "Becca"],
    "Samantha": ["Sam", "Sammy"],
    "Joseph": ["Joe", "Joey"],
    "Matthew": ["Matt"],
    "Andrew": ["Andy", "Drew"],
    "Benjamin": ["Ben", "Benny"],
    "Jonathan": ["Jon"],
    "Victoria": ["Vicky", "Tori"],
    "Johannes": ["Hannes"],
    "Giuseppe": ["Beppe"],
    "Kimberly": ["Kim"],
    "Deborah": ["Debbie", "Deb"],
    "Stephanie": ["Steph"],
    "Timothy": ["Tim"],
    "Steven": ["Steve"],
    "Jeffrey": ["Jeff"],
    "Charles": ["Charlie", "Chuck"],
    "Samuel": ["Sam"],
    "Jacob": ["Jake"],
    "Cynthia": ["Cindy"],
    "Amanda": ["Mandy"],
}
MIDDLE = ["Anne", "Marie", "J.", "A.", "Lee", "Ray", "Louise", "Paul", "M."]


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


def ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("ł", "l"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def slug(text: str) -> str:
    return "".join(ch for ch in ascii_fold(text).lower() if ch.isalnum())


def work_email(rng: random.Random, first: str, last: str, domain: str) -> str:
    pattern = rng.choice(["{f}.{l}", "{f}.{l}", "{i}{l}", "{f}", "{f}{l}"])
    return pattern.format(f=slug(first), l=slug(last), i=slug(first)[:1]) + "@" + domain


def personal_email(rng: random.Random, first: str, last: str) -> str:
    domain = rng.choice(["gmail.com", "outlook.com", "yahoo.com", "icloud.com"])
    return f"{slug(first)}.{slug(last)}{rng.randint(1, 99)}@{domain}"


def typo(rng: random.Random, name: str) -> str:
    if len(name) < 5:
        return name + name[-1]
    i = rng.randint(1, len(name) - 2)
    kind = rng.choice(["swap", "drop", "double", "vowel"])
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    vowels = [j for j, ch in enumerate(name) if ch in "aeiou" and j > 0]
    j = rng.choice(vowels) if vowels else i
    return name[:j] + rng.choice([v for v in "aeiou" if v != name[j]]) + name[j + 1 :]


def cosmetic(rng: random.Random, first: str, last: str) -> tuple[str, str]:
    """Differences a normalized comparison must ignore."""
    kind = rng.random()
    if kind < 0.35:
        return first, last
    if kind < 0.5:
        return first.upper(), last.upper()
    if kind < 0.62:
        return ascii_fold(first).lower(), ascii_fold(last).lower()
    if kind < 0.72:
        return f"  {first} ", f"{last}  "
    if kind < 0.84:
        return f"{first} {rng.choice(MIDDLE)}", last
    if kind < 0.92:
        return first, last.replace("-", " ").replace("'", "")
    return first, last.replace(" ", "")


def directory_people(rng: random.Random, club: str, count: int, domain: str) -> list[Row]:
    people = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
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


def remote_name(rng: random.Random, p: Row) -> tuple[str, str, str]:
    """(first, last, case) of the remote record of directory person p."""
    roll = rng.random()
    if roll < 0.05 and p.first_name in NICKNAMES:
        return rng.choice(NICKNAMES[p.first_name]), p.last_name, "nickname"
    if roll < 0.08:
        if rng.random() < 0.5:
            return typo(rng, p.first_name), p.last_name, "typo"
        return p.first_name, typo(rng, p.last_name), "typo"
    if roll < 0.095:
        return p.last_name, p.first_name, "swapped"
    if roll < 0.105:
        return p.first_name, rng.choice(LAST), "married"
    first, last = cosmetic(rng, p.first_name, p.last_name)
    return first, last, "exact"


PERSONAL_EMAIL_RATE = 0.07  # remote records with a personal address instead of the work one


def remote_email(rng: random.Random, p: Row, personal_rate: float) -> str:
    roll = rng.random()
    if p.email and roll < 0.66:
        return rng.choice([p.email, p.email.upper(), f" {p.email} ", p.email.capitalize()])
    if roll < 1 - personal_rate:
        return ""
    return personal_email(rng, p.first_name, p.last_name)


def remote_record(rng: random.Random, p: Row, n: int, personal_rate: float) -> Row:
    first, last, case = remote_name(rng, p)
    email = remote_email(rng, p, personal_rate)
    if case == "exact" and rng.random() < 0.012:
        # A login-style account: no usable name, an email built from it.
        first, last, case = slug(p.first_name)[0] + slug(p.last_name), "", "username"
        email = f"{first}@{rng.choice(['gmail.com', 'outlook.com'])}"
    active = p.active if rng.random() < 0.93 else not p.active
    external_id = f"{p.club}-S{n:03d}"
    return Row(p.club, "remote", external_id, first, last, email, active, p.external_id, case)


def traps(rng: random.Random, club: str, people: list[Row], remote: list[Row], domain: str):
    """Homonyms, shared mailboxes and people on one side only."""
    n = len(remote)
    extra_people, extra_remote = [], []
    if rng.random() < 0.5:  # a former employee with the same name as a current one
        twin = rng.choice([p for p in people if p.active])
        old = replace(twin, external_id=f"{club}-P9{n:02d}", email="", active=False)
        extra_people.append(old)
        if rng.random() < 0.5:
            extra_remote.append(
                Row(
                    club,
                    "remote",
                    f"{club}-S9{n:02d}",
                    old.first_name,
                    old.last_name,
                    "",
                    False,
                    old.external_id,
                    "homonym",
                )
            )
        for i, r in enumerate(remote):
            if r.truth == twin.external_id:
                remote[i] = replace(r, case="homonym")
    if rng.random() < 0.4:  # front-desk staff sharing one mailbox in the remote system
        shared = f"frontdesk@{domain}"
        for i in rng.sample(range(len(remote)), k=min(3, len(remote))):
            remote[i] = replace(remote[i], email=shared, case="shared_email")
    for k in range(rng.randint(2, 6)):  # trainers only in the remote system
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = personal_email(rng, first, last) if rng.random() < 0.5 else ""
        extra_remote.append(
            Row(club, "remote", f"{club}-S8{k:02d}", first, last, email, True, "", "remote_only")
        )
    if rng.random() < 0.12:  # a namesake of a directory person who is not in the remote system
        absent = {p.external_id for p in people} - {r.truth for r in remote}
        if absent:
            p = next(q for q in people if q.external_id == sorted(absent)[0])
            extra_remote.append(
                Row(
                    club,
                    "remote",
                    f"{club}-S7{n:02d}",
                    p.first_name,
                    p.last_name,
                    personal_email(rng, p.first_name, p.last_name),
                    True,
                    "",
                    "namesake",
                )
            )
    return extra_people, extra_remote


def club_rows(rng: random.Random, index: int, personal_rate: float) -> list[Row]:
    club = f"club{index:02d}"
    domain = f"{club}-fitness.com"
    people = directory_people(rng, club, rng.randint(35, 110), domain)
    present = [p for p in people if rng.random() < 0.9]
    remote = [remote_record(rng, p, n, personal_rate) for n, p in enumerate(present)]
    extra_people, extra_remote = traps(rng, club, people, remote, domain)
    rows = people + extra_people + remote + extra_remote
    return rows


def generate(
    seed: int = SEED, clubs: int = CLUBS, personal_rate: float = PERSONAL_EMAIL_RATE
) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for index in range(clubs):
        rows.extend(club_rows(rng, index, personal_rate))
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
    rows = generate()
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    write(rows, out)
    people = sum(r.side == "directory" for r in rows)
    print(f"{out}: {CLUBS} clubs, {people} directory people, {len(rows) - people} remote staff")


if __name__ == "__main__":
    main()
