"""How much one remote staff and one directory person look like the same person. No ORM.

Every signal counts: how the names relate (nickname, typo, swapped, accents, initial, ...),
what the emails say (the same, the same name at another domain, a login or local part that
spells the name, another person's address); active people first on a tie.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import OSA

from mappings.matching.names import Name, nickname_of
from mappings.matching.shared import FULL_NAME, first_relation, join_reasons, name_evidence
from mappings.matching.staff_records import Counts, Prepared, same_email_words, shown

EMAIL_SCORE = 1.0
LOGIN_SCORE = 0.72
DEMOTED = 0.6  # the same email, but the remote's name is another directory person's
AGREEING_FIRST = frozenset({"same", "spelling", "nickname", "middle", "typo", "short", "initial"})


@lru_cache(maxsize=262144)
def close(a: Name, b: Name) -> bool:
    """Not only nicknames of a third name: Robert Martin is no rival of William Martin."""
    return first_relation(a, b) != "nickname" or nickname_of(a.given, b.given)


def first_names_agree(r: Prepared, p: Prepared) -> bool:
    """False only when both first names are known and nothing relates them."""
    if not r.name.given or not p.name.given:
        return True
    if r.name.login in p.email_keys or p.name.login in r.email_keys:
        return True  # an account name that spells the other's name: 'jsmith' for John Smith
    if close(r.name, p.name) and first_relation(r.name, p.name) in AGREEING_FIRST:
        return True
    return r.name.given == p.name.surname or r.name.surname == p.name.given


def _suffixes_differ(r: Prepared, p: Prepared) -> bool:
    return r.name.suffix != p.name.suffix


def _login_evidence(r: Prepared, p: Prepared) -> tuple[float, str]:
    """A login-style account or email local part that spells the directory name."""
    if r.name.login and r.name.login in p.email_keys:
        return LOGIN_SCORE, f"account name {r.name.login!r} fits the directory name"
    if not r.name.key and r.local and r.local in p.email_keys:
        return LOGIN_SCORE - 0.02, "remote email resembles the directory name"
    return 0.0, ""


def _email_evidence(r: Prepared, p: Prepared, counts: Counts) -> tuple[float, str]:
    """What the two emails add to (or take from) a name-based score, with the words."""
    if not r.email or not p.email:
        if r.local and r.local in p.email_keys:
            return 0.03, "email resembles the name"
        return 0.0, ""
    if r.local == p.local:
        return 0.06, "same email name at another domain"
    if counts.others_email(r, p):
        return -0.08, "the remote's email is another directory person's"
    if r.local in p.email_keys or p.local in r.email_keys:
        return 0.03, "email resembles the name"
    return -0.03, "different emails"


def _same_name_score(r: Prepared, p: Prepared, counts: Counts) -> tuple[float, str]:
    """Same full name but not linked automatically: why, and how likely it still is."""
    why = counts.namesakes(r, p)
    if why:
        return 0.9, why
    if counts.others_email(r, p):
        return 0.86, "same full name, but the remote's email is another directory person's"
    if _suffixes_differ(r, p):
        return 0.86, "same full name, but one is Jr / Sr"
    return 0.9, "same full name"


def pair_score(r: Prepared, p: Prepared, counts: Counts) -> tuple[float, str, str]:
    """How likely r and p are the same person, the method and a readable reason."""
    score, method, reason = name_evidence(r.name, p.name)
    login, login_reason = _login_evidence(r, p)
    if login > score:
        score, method, reason = login, "email_name", login_reason
    if r.email and r.email == p.email:
        if counts.shared_email(r.email):
            return max(score, 0.5) + 0.02, method or "email", join_reasons(reason, "shared email")
        other = counts.named_after_another(r, p)
        if other:
            return DEMOTED, "email", f"{same_email_words(r)}, but the name is {shown(other)}'s"
        if first_names_agree(r, p):
            return EMAIL_SCORE, "email", same_email_words(r)
        return max(score, 0.6), "email", f"{same_email_words(r)}, but the first names differ"
    if not score:
        return 0.0, "", ""
    extra, extra_reason = _email_evidence(r, p, counts)
    if method == "name" and score == FULL_NAME:
        score, reason = _same_name_score(r, p, counts)
    return score + extra, method, join_reasons(reason, extra_reason)


def rank(r: Prepared, p: Prepared, score: float) -> tuple:
    # On a tie the candidate whose activity agrees with the remote's wins (a former employee
    # is inactive on both sides), then the active one; then the closer spelling (Bob is
    # Robert before Roberta).
    closeness = OSA.normalized_similarity(r.name.given, p.name.given)
    return (round(score, 6), p.rec.active == r.rec.active, p.rec.active, round(closeness, 6))
