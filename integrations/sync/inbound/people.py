"""Matching people at ingest (product.md §3a, partner-api.md "Sending data").

    people_match(*, client_id, sender_id, kind, records, indexes) -> dict[int, Match]

A record that arrives with an external id the sender has no link for, and no `connector_id`,
may be a person the client already has. Its email, E.164 phone and name keys (its own, and
its names swapped where it lacks an email or a phone) are looked up among the client's stored
people (one indexed statement for the whole batch, `db/people.py`), the records found are
read, and the pure core decides (`match_people`):

- **certain** → `Match(MATCHED)`: the partner's id is linked to that person (a member certain
  to be a prospect is its conversion);
- **likely** → `Match(NEEDS_REVIEW)` with the best candidate: stored as new, and reviewed by
  support staff (its deliveries held or sent, by the sender's option);
- otherwise nothing: a new person.

Prospects are matched with prospects; members with members and with the prospects no member
has converted yet (a converted prospect is the same person as its member). A person the
sender already has under another id is not linked again (one link per record and platform):
the record is reviewed as entered twice there. `name_key` is what a record's name is stored
as for these look-ups.

Candidates come from the same values the core blocks on, except nickname roots (Bob / Robert)
and birth dates with a surname: a pair that can be certain shares an email or phone, or the
name, and is found by it; one that shares neither is at best a suggestion, which the look-ups
here leave to the launch preview and the command, where the whole client's people are read
(each such look-up is an index entry more on every record ingest writes).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings

from integrations.db.people import people_holding
from integrations.models import ExternalLink, Member, Prospect
from mappings.matching.names import email_norm, name_of
from mappings.matching.people import Person, PersonDecision, match_people
from mappings.matching.shared import MATCHED, NEEDS_REVIEW, join_reasons

IDENTITY = ("first_name", "last_name", "email", "phone", "birth_date")


@dataclass(frozen=True, slots=True)
class Match:
    """What matching says of one record of a batch (by its index in the batch)."""

    status: str  # matched | needs_review
    kind: str  # the candidate's kind
    record_id: uuid.UUID | None  # the person (matched) or the best candidate (review)
    score: float | None = None
    method: str = ""
    reason: str = ""
    candidates: tuple[dict[str, Any], ...] = ()
    same_as: int | None = None  # an earlier record of this batch, the same person


def person_of(values: Mapping[str, Any], pk: Any = None) -> Person:
    """The fields matching compares, from a record's values (a row or a normalized body)."""
    return Person(
        id=pk,
        first_name=values.get("first_name") or "",
        last_name=values.get("last_name") or "",
        email=values.get("email") or "",
        phone=values.get("phone") or "",
        birth_date=values.get("birth_date"),
    )


def name_key(values: Mapping[str, Any]) -> str:
    """A record's normalized full name as stored for look-ups ('' when incomplete)."""
    return name_of(values.get("first_name") or "", values.get("last_name") or "").key


def name_changed(before: Mapping[str, Any], changes: Mapping[str, Any]) -> bool:
    """Whether `changes` touch the name (its key is then stored again)."""
    return any(
        name in changes and changes[name] != before.get(name)
        for name in ("first_name", "last_name")
    )


def people_match(
    *,
    client_id: str,
    sender_id: int,
    kind: str,
    records: list[dict[str, Any]],
    indexes: list[int],
) -> dict[int, Match]:
    """Decisions for `records[i]`, i in `indexes` (the ones with no link): certain and likely
    ones only; a record left out is a new person."""
    if not indexes:
        return {}
    looked = _looked_up([records[i] for i in indexes])
    values = {column: set(found) for column, found in looked.items()}
    kinds = ("prospect",) if kind == "prospect" else ("member", "prospect")
    counts: dict[str, int] = {}
    ids: dict[str, set[uuid.UUID]] = {}
    for k in kinds:
        found = people_holding(model=_MODELS[k], client_id=client_id, values=values)
        for column, value, held, holders in found:
            key = _PREFIX.get(column, "") + str(value)
            counts[key] = max(counts.get(key, 0), held)
            ids.setdefault(k, set()).update(holders)
    if not any(ids.values()) and not _twins_possible(looked):
        return {}  # no one to compare with (a first import): all new, nothing more to read
    incoming = [person_of(records[i], i) for i in indexes]
    existing = _candidates(kinds, ids)
    decisions = match_people(
        existing=existing, incoming=incoming, counts=counts, region=_region()
    )
    return _linkable(_matches(decisions), sender_id=sender_id, kind=kind)


_MODELS: dict[str, Any] = {"prospect": Prospect, "member": Member}
_PREFIX = {"email": "e:", "phone": "p:", "name_key": "n:"}  # the core's key spellings


def _region() -> str:
    return settings.CONNECTOR_DEFAULT_PHONE_REGION


def _looked_up(records: list[dict[str, Any]]) -> dict[str, Any]:
    """{column: values} the batch's records are looked up by (emails and phones as lists:
    the same one twice in a batch is a twin to compare)."""
    emails: list[str] = []
    phones: list[str] = []
    names: set[str] = set()
    for rec in records:
        email, phone = rec.get("email"), rec.get("phone")
        if email:
            emails.append(email)
        if phone:
            phones.append(phone)
        name = name_of(rec.get("first_name") or "", rec.get("last_name") or "")
        if name.key:
            names.update(name.keys)
            if not (email and phone):  # with both, a swapped name alone is seldom likely
                names.add(f"{name.surname} {name.given}")
    return {"email": emails, "phone": phones, "name_key": names}


def _candidates(kinds: tuple[str, ...], ids: Mapping[str, set[uuid.UUID]]) -> list[Person]:
    """The stored people found, as the core's `Person` (id = (kind, record id)); for members,
    a prospect a member has converted is that member, not a candidate of its own."""
    people: list[Person] = []
    for kind in kinds:
        found = ids.get(kind)
        if not found:
            continue
        rows = list(_MODELS[kind].objects.filter(pk__any=found).values("id", *IDENTITY))
        if kind == "prospect" and "member" in kinds:
            converted = set(
                Member.objects.filter(prospect_id__any=found).values_list("prospect_id", flat=True)
            )
            rows = [row for row in rows if row["id"] not in converted]
        people.extend(person_of(row, (kind, row["id"])) for row in rows)
    return people


def _twins_possible(looked: dict[str, Any]) -> bool:
    """Whether two records of the batch share an email or phone (the core then compares
    them: one person entered twice)."""
    emails, phones = looked["email"], looked["phone"]
    return len({email_norm(e) for e in emails}) < len(emails) or len(set(phones)) < len(phones)


def _matches(decisions: Iterable[PersonDecision]) -> dict[int, Match]:
    out: dict[int, Match] = {}
    for d in decisions:
        if d.status not in (MATCHED, NEEDS_REVIEW):
            continue
        kind, record_id = _kind_id(d.existing_id)
        candidates = tuple(
            {"kind": _kind_id(c.existing_id)[0], "id": str(_kind_id(c.existing_id)[1]),
             "score": c.score, "reason": c.reason}
            for c in d.candidates
        )
        same_as = d.same_as_incoming if isinstance(d.same_as_incoming, int) else None
        out[int(cast(int, d.incoming_id))] = Match(
            d.status, kind, record_id, d.score, d.method, d.reason, candidates, same_as
        )
    return out


def _kind_id(existing_id: Any) -> tuple[str, uuid.UUID | None]:
    """A candidate's (kind, record id): the ids given to the core (nothing for none)."""
    return existing_id if existing_id is not None else ("", None)


def _linkable(matches: dict[int, Match], *, sender_id: int, kind: str) -> dict[int, Match]:
    """Certain matches the sender can be linked to: not a person it already has under another
    id, and one record of the batch per person; the others go to review as entered twice.
    (A member converting a prospect the sender has is its conversion, not a second entry.)"""
    same_kind = [m for m in matches.values() if m.status == MATCHED and m.kind == kind]
    linked = _sender_links(sender_id, kind, same_kind)
    taken: dict[uuid.UUID, int] = {}
    for index in sorted(matches):
        m = matches[index]
        if m.status != MATCHED or m.record_id is None:
            continue
        if m.record_id in linked:
            reason = f"already at this platform as {linked[m.record_id]}: entered twice there?"
        elif m.record_id in taken:
            reason = f"record {taken[m.record_id]} of this batch is the same person"
        else:
            taken[m.record_id] = index
            continue
        matches[index] = _to_review(m, reason)
    return matches


def _to_review(m: Match, reason: str) -> Match:
    candidate = {"kind": m.kind, "id": str(m.record_id), "score": m.score, "reason": m.reason}
    return Match(
        NEEDS_REVIEW, m.kind, m.record_id, m.score, m.method, join_reasons(reason, m.reason),
        (candidate,),
    )


def _sender_links(sender_id: int, kind: str, matched: list[Match]) -> dict[uuid.UUID, str]:
    """{record id: the sender's external id} for the matched people it already has."""
    ids = [m.record_id for m in matched]
    if not ids:
        return {}
    links = ExternalLink.objects.filter(
        integration_id=sender_id, kind=kind, **{f"{kind}_id__any": ids}
    ).values_list(f"{kind}_id", "external_id")
    return dict(links)
