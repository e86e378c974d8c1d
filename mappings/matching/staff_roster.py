"""What a whole pair of staff rosters says, beyond any one pair of records. No ORM.

- The partner's own domains: a platform that gives every staff an address at its domain
  often keeps the directory's local part (`anna.berg@club07.club` for
  `anna.berg@club07-fitness.com`). When the rosters show it for most of the people whose
  names leave no doubt, an address there *is* the directory address (`domain_aliases`).
- How common a name is (`NameCounts`): a remote staff whose only tie to a directory person is
  the full name may be a different person of the same name (a trainer who never worked at the
  club). The more people carry the first name and the surname, the likelier that is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

ALIAS_MIN = 3  # people whose names leave no doubt, that show a domain mirrors the directory's
ALIAS_SHARE = 0.8  # the share of them whose local part is their directory one


def split_email(email: str) -> tuple[str, str]:
    """(local part, domain) of a normalized email; ('', '') when empty."""
    local, _, domain = email.rpartition("@")
    return local, domain


def domain_aliases(
    people: Iterable[tuple[str, str]], remotes: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """The remote domains that mirror a directory domain: {partner domain: directory domain}.

    `people` and `remotes` are (full-name key, normalized email) pairs. A remote address at a
    domain no directory person uses is checked against the one directory person with the same
    full name; the domain is an alias when at least ALIAS_MIN of them, and ALIAS_SHARE of all
    checked, carry that person's local part at one directory domain.
    """
    people = list(people)
    named = Counter(key for key, _ in people if key)
    own = {key: email for key, email in people if key and email and named[key] == 1}
    directory_domains = {split_email(email)[1] for _, email in people if email}
    checked: Counter[str] = Counter()
    agree: dict[str, Counter[str]] = defaultdict(Counter)
    for key, email in remotes:
        local, domain = split_email(email)
        if not domain or domain in directory_domains or key not in own:
            continue
        checked[domain] += 1
        their_local, their_domain = split_email(own[key])
        if local == their_local:
            agree[domain][their_domain] += 1
    aliases = {}
    for domain, by_target in agree.items():
        target, count = by_target.most_common(1)[0]
        if count >= ALIAS_MIN and count >= ALIAS_SHARE * checked[domain]:
            aliases[domain] = target
    return aliases


# Free mail services: an address there is a person's own, not one an employer gave.
WEBMAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
        "hotmail.fr", "hotmail.es", "hotmail.it", "live.com", "live.co.uk", "msn.com",
        "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.es", "yahoo.de", "ymail.com",
        "icloud.com", "me.com", "mac.com", "aol.com", "gmx.de", "gmx.net", "gmx.com",
        "web.de", "t-online.de", "freenet.de", "proton.me", "protonmail.com", "mail.com",
        "orange.fr", "free.fr", "laposte.net", "libero.it", "virgilio.it", "wp.pl", "o2.pl",
        "interia.pl", "onet.pl", "seznam.cz", "mail.ru", "yandex.ru", "qq.com", "163.com",
    }
)  # fmt: skip
