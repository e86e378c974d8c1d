"""Names and the ways people write them: the pools and variations of the evaluation generators.

Not a generator itself: `generate_staff_eval.py` and `generate_people_eval.py` import it, so
both sets vary names the same way (case, accents, spacing, middle names, nicknames, typos).
"""

from __future__ import annotations

import random
import unicodedata


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
    "Małgorzata": ["Gosia"],
    "Agnieszka": ["Aga"],
    "Nikolai": ["Kolya"],
    "Irina": ["Ira"],
    "Olga": ["Olya"],
    "Dmitri": ["Dima"],
    "Francesca": ["Cesca"],
    "Sofía": ["Sofi"],
    "Gregory": ["Greg"],
    "Ronald": ["Ron", "Ronnie"],
    "Kenji": ["Ken"],
    "Christina": ["Tina", "Chrissy"],
    "Nathan": ["Nate"],
}
# A few more forms than the two lists above, so a matcher is not measured on its own list.
NICKNAMES["William"].append("Liam")
NICKNAMES["Elizabeth"].extend(["Betty", "Eliza"])
NICKNAMES["Alexander"].append("Xander")
NICKNAMES["Johannes"].append("Jo")
MIDDLE = ["Anne", "Marie", "J.", "A.", "Lee", "Ray", "Louise", "Paul", "M."]


def ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("ł", "l"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


_WRITTEN_OUT = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "å": "aa",
        "Å": "Aa",
        "ø": "oe",
        "æ": "ae",
    }
)


def written_out(text: str) -> str:
    """Accents as an ASCII-only system writes them: 'Jörg Müller' → 'Joerg Mueller'."""
    return ascii_fold(text.translate(_WRITTEN_OUT))


def weighted(rng: random.Random, names: list[str]) -> str:
    """A name, the first ones of the list more often (Zipf-like: the commonest first name is
    about 4% of people, the commonest surname about 2.5%), so namesakes occur as in life."""
    offset = 10 if names is FIRST else 20
    weights = _WEIGHTS.setdefault((len(names), offset), _zipf(len(names), offset))
    return rng.choices(names, cum_weights=weights)[0]


_WEIGHTS: dict[tuple[int, int], list[float]] = {}


def _zipf(count: int, offset: int) -> list[float]:
    total, out = 0.0, []
    for rank in range(count):
        total += 1 / (rank + offset)
        out.append(total)
    return out


def login(rng: random.Random, first: str, last: str) -> str:
    """A login-style account name: jsmith, smith.j, smithj, john.s."""
    given, family = slug(first), slug(last)
    return rng.choice(
        [given[:1] + family, f"{family}.{given[:1]}", family + given[:1], f"{given}.{family[:1]}"]
    )


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
