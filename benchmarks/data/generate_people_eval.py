"""Generate a labeled people-matching evaluation set, deterministically (seeded).

    .venv/bin/python benchmarks/data/generate_people_eval.py [OUT_DIR [SEED]]

With OUT_DIR, writes per club `clubNN-existing.csv` and `clubNN-incoming.csv` in the format of
`manage.py match_records_files` (`external_id,first_name,last_name,email,phone,birth_date`)
and `truth.csv` (`club,incoming_external_id,existing_external_ids,case`). The benchmark
(`benchmarks/people_matching_eval.py`) generates in memory instead.

A club's existing people (InTouch: prospects and members) and the other system's export
(the incoming side): households with a family email and a home phone, juniors with their
parent's name, email and phone (some "Jr", some not, with another birth date), spouses,
people entered twice on either side, namesakes (names drawn with realistic frequencies, and
on purpose), a front desk's email and the club's phone on walk-ins, nicknames, typos,
married names, swapped names, one upper-case export in seven, phones written every way
(national, spaces, dashes, +CC, 00CC), missing fields, birth dates with day and month
swapped, and other email domains. The assumptions are modelled on club launches: about half
of the existing people are in the other system, which also holds as many people of its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import phonenumbers
from eval_names import FIRST, LAST, NICKNAMES, cosmetic, slug, typo, weighted

SEED = 20261202
HOLDOUT_SEED = 5209
CLUBS = 32
REGIONS = [("US", 0.55), ("GB", 0.2), ("DE", 0.1), ("SE", 0.1), ("ES", 0.05)]
PROVIDERS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com", "gmx.de"]
# Country code, national trunk prefix, mobile prefixes, national digits after the prefix.
PLANS = {
    "US": ("1", "", ["212", "312", "415", "646", "713", "917"], 7),
    "GB": ("44", "0", ["7700", "7712", "7825", "7911"], 6),
    "DE": ("49", "0", ["151", "160", "171", "176"], 7),
    "SE": ("46", "0", ["70", "72", "73", "76"], 7),
    "ES": ("34", "", ["600", "622", "655", "699"], 6),
}


@dataclass(frozen=True)
class Row:
    club: str
    side: str  # existing | incoming
    external_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: str
    truth: str = ""  # incoming: the existing external ids of the same person, '|'-separated
    case: str = ""
    region: str = "US"


@dataclass
class Human:
    """A person of the club's world, before either system wrote them down."""

    key: str
    first: str
    last: str
    suffix: str
    email: str
    phone: str  # (national significant number, country code)
    birth: dt.date
    household: int


def _phone(rng: random.Random, region: str) -> str:
    """A valid number (phonenumbers' `is_valid_number`, as the Connector takes them)."""
    cc, _, prefixes, digits = PLANS[region]
    while True:
        number = rng.choice(prefixes) + "".join(str(rng.randint(0, 9)) for _ in range(digits))
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+{cc}{number}")):
            return number


def written(rng: random.Random, number: str, region: str, *, stored: bool = False) -> str:
    """A phone number as one of the systems writes it."""
    cc, trunk, _, _ = PLANS[region]
    if stored and rng.random() < 0.6:
        return f"+{cc}{number}"
    head, tail = number[:3], number[3:]
    shape = rng.random()
    if shape < 0.3:
        if region == "US":
            return f"({head}) {tail[:3]}-{tail[3:]}"
        return f"{trunk}{head} {tail}"
    if shape < 0.5:
        return f"{trunk}{number}" if region != "US" else f"{head}-{tail[:3]}-{tail[3:]}"
    if shape < 0.7:
        return f"+{cc} {head} {tail}"
    if shape < 0.85:
        return f"00{cc} {head} {tail}" if region != "US" else f"1-{head}-{tail[:3]}-{tail[3:]}"
    return f"{trunk}{head}-{tail}" if region != "US" else f"{head}.{tail[:3]}.{tail[3:]}"


_TAKEN: set[str] = set()  # an address belongs to one person: namesakes get another


def personal_email(rng: random.Random, first: str, last: str) -> str:
    pattern = rng.choice(["{f}.{l}", "{f}{l}", "{i}{l}", "{f}.{l}{n}", "{f}{n}", "{l}.{f}"])
    local = pattern.format(f=slug(first), l=slug(last), i=slug(first)[:1], n=rng.randint(1, 99))
    email = f"{local}@{rng.choice(PROVIDERS)}"
    while email in _TAKEN:
        email = f"{local}{rng.randint(100, 999)}@{email.split('@')[1]}"
    _TAKEN.add(email)
    return email


def _birth(rng: random.Random, start: int, end: int) -> dt.date:
    return dt.date(rng.randint(start, end), rng.randint(1, 12), rng.randint(1, 28))


def household(rng: random.Random, club: str, n: int, region: str, start: int) -> list[Human]:
    """One household: a person alone, a couple, or a family with children."""
    last = weighted(rng, LAST)
    size = 1 if rng.random() < 0.55 else (2 if rng.random() < 0.55 else rng.randint(3, 5))
    family_email = f"{slug(last)}family{rng.randint(1, 99)}@{rng.choice(PROVIDERS)}"
    share_email, share_phone = rng.random() < 0.45, rng.random() < 0.5
    home = _phone(rng, region)
    people = []
    for i in range(size):
        adult = i < min(2, size) and not (size > 2 and i == 1 and rng.random() < 0.3)
        first, suffix = weighted(rng, FIRST), ""
        if not adult and people and rng.random() < 0.3:  # a junior with the parent's name
            first, suffix = people[0].first, rng.choice(["Jr", "", ""])
        birth = _birth(rng, 1955, 1996) if adult else _birth(rng, 2004, 2018)
        own = rng.random() < (0.92 if adult else 0.3)
        email = personal_email(rng, first, last) if own else ""
        if size > 1 and share_email and (not email or rng.random() < 0.5):
            email = family_email
        elif not adult and not email and rng.random() < 0.8:  # a child: a parent's address
            email = people[0].email
        mobile = rng.random() < (0.88 if adult else 0.3)
        phone = _phone(rng, region) if mobile else ""
        if size > 1 and share_phone and (not phone or rng.random() < 0.4):
            phone = home
        elif not adult and not phone and rng.random() < 0.8:
            phone = people[0].phone
        key = f"{club}-h{n}-{start + i}"
        people.append(Human(key, first, last, suffix, email, phone, birth, n))
    return people


def _name(h: Human) -> tuple[str, str]:
    return h.first, f"{h.last} {h.suffix}".strip()


def existing_row(rng: random.Random, h: Human, club: str, region: str, n: int, desk) -> Row:
    first, last = _name(h)
    email, phone = h.email, written(rng, h.phone, region, stored=True) if h.phone else ""
    if rng.random() < 0.03:
        email = desk[0]
    if rng.random() < 0.03:
        phone = desk[1]
    # Members' birth dates are known more often than leads', children's nearly always.
    birth = h.birth.isoformat() if rng.random() < (0.65 if h.birth.year < 2000 else 0.9) else ""
    return Row(
        club, "existing", f"{club}-E{n:04d}", first, last, email, phone, birth, region=region
    )


def varied_name(rng: random.Random, h: Human) -> tuple[str, str, str]:
    first, last = _name(h)
    roll = rng.random()
    if roll < 0.04 and h.first in NICKNAMES:
        return rng.choice(NICKNAMES[h.first]), last, "nickname"
    if roll < 0.08:
        return (
            (typo(rng, first), last, "typo")
            if rng.random() < 0.5
            else (first, typo(rng, h.last), "typo")
        )
    if roll < 0.105:
        return first, weighted(rng, LAST), "married"
    if roll < 0.12:
        return last, first, "swapped"
    if roll < 0.13:
        return ("", last, "missing") if rng.random() < 0.5 else (first, "", "missing")
    first, last = cosmetic(rng, h.first, h.last)
    return first, f"{last} {h.suffix}".rstrip(), "exact"


def varied_email(rng: random.Random, h: Human, first: str, last: str) -> tuple[str, str]:
    roll = rng.random()
    if not h.email or roll < 0.08:
        return "", ""
    if roll < 0.86:
        return rng.choice([h.email, h.email.upper(), f" {h.email} ", h.email.capitalize()]), ""
    if roll < 0.92:
        return h.email.split("@")[0] + "@" + rng.choice(PROVIDERS), "other_domain"
    return personal_email(rng, first or h.first, last or h.last), "new_email"


def varied_phone(rng: random.Random, h: Human, region: str) -> tuple[str, str]:
    roll = rng.random()
    if not h.phone or roll < 0.15:
        return "", ""
    if roll < 0.91:
        return written(rng, h.phone, region), ""
    return written(rng, _phone(rng, region), region), "new_phone"


def varied_birth(rng: random.Random, h: Human) -> tuple[str, str]:
    roll = rng.random()
    if roll < (0.25 if h.birth.year < 2000 else 0.1):
        return "", ""
    if roll < 0.3 and h.birth.day <= 12 and h.birth.day != h.birth.month:
        return h.birth.replace(month=h.birth.day, day=h.birth.month).isoformat(), "date_swapped"
    return h.birth.isoformat(), ""


def incoming_row(rng: random.Random, h: Human, club: str, region: str, n: int, truth: str):
    first, last, case = varied_name(rng, h)
    email, email_case = varied_email(rng, h, first, last)
    phone, phone_case = varied_phone(rng, h, region)
    birth, birth_case = varied_birth(rng, h)
    cases = [c for c in (case, email_case, phone_case, birth_case) if c and c != "exact"]
    label = "+".join(cases) or "exact"
    return Row(
        club,
        "incoming",
        f"{club}-I{n:04d}",
        first,
        last,
        email,
        phone,
        birth,
        truth,
        label if truth else "",
        region,
    )


def relatives(rng: random.Random, people: list[Human], club: str, region: str) -> list[Human]:
    """Family members who are new on the incoming side: juniors named like a parent, spouses."""
    out = []
    adults = [h for h in people if h.birth.year < 2000 and (h.email or h.phone)]
    for parent in rng.sample(adults, k=max(1, len(adults) // 50)):
        junior = rng.random() < 0.5
        first = parent.first if junior else weighted(rng, FIRST)
        birth = _birth(rng, 2004, 2016) if junior else _birth(rng, 1960, 1995)
        suffix = rng.choice(["Jr", ""]) if junior else ""
        key = f"{parent.key}-rel"
        out.append(
            Human(
                key, first, parent.last, suffix, parent.email, parent.phone, birth, parent.household
            )
        )
    return out


def club_rows(rng: random.Random, index: int, region: str | None = None) -> list[Row]:
    club = f"club{index:02d}"
    drawn = rng.choices([r for r, _ in REGIONS], weights=[w for _, w in REGIONS])[0]
    region = region or drawn
    desk = (f"frontdesk@{club}-fitness.com", written(rng, _phone(rng, region), region))
    target = rng.randint(560, 780)
    people: list[Human] = []
    while len(people) < target:
        people.extend(household(rng, club, len(people), region, len(people)))
    rows, ids = [], {}
    for h in people:
        row = existing_row(rng, h, club, region, len(rows), desk)
        rows.append(row)
        ids[h.key] = [row.external_id]
        if rng.random() < 0.015:  # entered twice in the existing system
            first, last, _ = varied_name(rng, h)
            twin = replace(
                row,
                external_id=f"{club}-E{len(rows):04d}",
                first_name=first,
                last_name=last,
                email=row.email if rng.random() < 0.5 else "",
            )
            rows.append(twin)
            ids[h.key].append(twin.external_id)
    return rows + incoming_rows(rng, club, region, people, ids, desk)


def incoming_rows(rng, club, region, people, ids, desk) -> list[Row]:
    both = [h for h in people if rng.random() < 0.5]
    only: list[Human] = []
    while len(only) < len(both) * 0.85:
        only.extend(household(rng, club, 10_000 + len(only), region, 10_000 + len(only)))
    only.extend(relatives(rng, people, club, region))
    for h in rng.sample(only, k=len(only) // 25):  # namesakes of existing people, on purpose
        twin = rng.choice(people)
        h.first, h.last, h.suffix = twin.first, twin.last, twin.suffix
        h.key += "-namesake"
    rows = []
    upper = rng.random() < 0.14
    for h in both + only:
        truth = "|".join(ids.get(h.key, []))
        row = incoming_row(rng, h, club, region, len(rows), truth)
        if not truth:
            row = replace(row, case=_new_case(h))
            if rng.random() < 0.03:
                row = replace(
                    row, email=desk[0], phone=desk[1] if rng.random() < 0.5 else row.phone
                )
        rows.append(row)
        if rng.random() < 0.015:  # entered twice in the other system
            again = incoming_row(rng, h, club, region, len(rows), truth)
            rows.append(
                replace(
                    again, case=(again.case or row.case) + "+twice" if truth else "entered_twice"
                )
            )
    if upper:
        rows = [
            replace(
                r,
                first_name=r.first_name.upper(),
                last_name=r.last_name.upper(),
                email=r.email.upper(),
            )
            for r in rows
        ]
    return rows


def _new_case(h: Human) -> str:
    if h.key.endswith("-rel"):
        return "junior" if h.birth.year >= 2000 else "spouse"
    return "namesake" if h.key.endswith("-namesake") else "new"


def generate(seed: int = SEED, clubs: int = CLUBS, region: str | None = None) -> list[Row]:
    """The rows of every club (`region`: one country for all, as the speed benchmark wants)."""
    rng = random.Random(seed)
    _TAKEN.clear()
    rows: list[Row] = []
    for index in range(clubs):
        rows.extend(club_rows(rng, index, region))
    return rows


COLUMNS = ("external_id", "first_name", "last_name", "email", "phone", "birth_date")


def write(rows: list[Row], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[Row]] = {}
    for r in rows:
        files.setdefault(f"{r.club}-{r.side}.csv", []).append(r)
    for name, part in files.items():
        with open(out / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows([getattr(r, c) for c in COLUMNS] for r in part)
    with open(out / "truth.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["club", "incoming_external_id", "existing_external_ids", "case"])
        writer.writerows(
            [r.club, r.external_id, r.truth, r.case] for r in rows if r.side == "incoming"
        )


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("people_eval")
    rows = generate(int(sys.argv[2]) if len(sys.argv) > 2 else SEED)
    write(rows, out)
    existing = sum(r.side == "existing" for r in rows)
    print(f"{out}: {CLUBS} clubs, {existing} existing, {len(rows) - existing} incoming records")


if __name__ == "__main__":
    main()
