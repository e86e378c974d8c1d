"""Erasing a person everywhere (right to be forgotten): the record, its history, its traces.

    record_erase(*, record, acting_user=None, requested_by=None) -> bool

What the Connector holds of a person is scrubbed in one transaction: the canonical record keeps
its id and nothing else (a tombstone, `erased_at` set), every change snapshot of it is emptied,
deliveries not yet sent are discarded, its external-id links are removed, and log lines, audit
rows and delivery errors that mention it lose their words (what names a person in free text:
records/mentions.py); once that is committed, the club's data exports are deleted. Every
platform that holds the person is told in its own terms: a `prospect.erased` / `member.erased`
event (the feed and webhooks carry it; `api` platforms get an erase call where their adapter
can make one, and a failed delivery that asks support to erase it there by hand where it
cannot). The audit keeps that an erasure happened, by whom and when, and nothing about the
person. A second erasure of the same record changes nothing.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrations.models import (
    AuditEntry,
    Change,
    ExternalLink,
    Integration,
    LogEntry,
    Member,
    OutboxRow,
    Prospect,
    SyncRun,
)
from integrations.models.logs import audit_record
from integrations.models.matching import DuplicateStatus, PossibleDuplicate
from integrations.models.sync import OutboxStatus
from integrations.records.mentions import Mentions, Person, person_mentions
from integrations.records.shape import KINDS, record_shape
from integrations.services.export import client_exports_discard
from integrations.services.people import duplicate_different
from integrations.sync.delivery.wake import deliveries_kick

ERASED = {"erased": True}
UNSENT = (OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.FAILED)


def kind_of(record: Prospect | Member) -> str:
    return "member" if isinstance(record, Member) else "prospect"


@transaction.atomic
def record_erase(
    *,
    record: Prospect | Member,
    acting_user: Any = None,
    requested_by: Integration | None = None,
) -> bool:
    """Erase `record` (a person's prospect or member) everywhere; False when it already was.

    `requested_by`: the partner's integration that asked (it is not told back); support
    staff act as `acting_user`."""
    kind = kind_of(record)
    model = record_shape(kind).model
    locked = model.objects.select_for_update().filter(pk=record.pk).first()
    if locked is None or locked.erased_at is not None:
        return False
    mentions = _mentions(locked)
    links = {
        link.integration_id: link.external_id
        for link in ExternalLink.objects.filter(kind=kind, **{f"{kind}_id": locked.pk})
    }
    told = _holders(locked, kind, links) - {requested_by.pk if requested_by else None}
    _record_scrub(locked, kind)
    Change.objects.filter(kind=kind, record_id=locked.pk).update(data=ERASED)
    OutboxRow.objects.filter(kind=kind, record_id=locked.pk, status__in=UNSENT).update(
        status=OutboxStatus.DISCARDED, hold_reason="", claimed_by=""
    )
    OutboxRow.objects.filter(kind=kind, record_id=locked.pk).update(
        last_error="", hold_reason=""
    )
    ExternalLink.objects.filter(kind=kind, **{f"{kind}_id": locked.pk}).delete()
    _reviews_close(locked.pk, acting_user)
    _traces_scrub(locked, kind, mentions)
    _erased_event(locked, kind, links, told)
    audit_record(
        actor=acting_user,
        action=f"{kind}.erase",
        target=locked,
        client=locked.client_id,
        new={"requested_by": requested_by.platform.slug if requested_by else "support staff",
             "told": sorted(told)},
    )
    # What earlier decisions said of the person goes; that they were made stays.
    about = AuditEntry.objects.filter(target_type=model._meta.label_lower, target_id=str(locked.pk))
    about.update(target_repr="")
    about.exclude(action=f"{kind}.erase").update(old={}, new={})
    deliveries_kick(integration_ids=told)
    # A finished export (kept a day) may hold the person: the club asks for a new one.
    client_id = locked.client_id
    transaction.on_commit(lambda: client_exports_discard(client_id=client_id))
    return True


def records_erase(*, records: Iterable[Prospect | Member], acting_user: Any = None) -> int:
    """Erase each record (support staff's bulk action); returns how many were erased now."""
    return sum(record_erase(record=record, acting_user=acting_user) for record in records)


def _mentions(record: Prospect | Member) -> Mentions:
    """What names the person in free text (records/mentions.py); the last name alone only
    where no one else of the club bears it."""
    last = record.last_name.strip()
    return person_mentions(Person(
        record_id=str(record.pk), email=record.email, phone=record.phone,
        first_name=record.first_name, last_name=last,
        last_name_alone=bool(last) and not _others_named(record, last),
    ))


def _others_named(record: Prospect | Member, last_name: str) -> bool:
    """Whether another prospect or member of the club, not erased, has this last name."""
    return any(
        record_shape(kind).model.objects.filter(
            client_id=record.client_id, last_name__iexact=last_name, erased_at__isnull=True
        ).exclude(pk=record.pk).exists()
        for kind in KINDS
    )


def _holders(record: Prospect | Member, kind: str, links: dict[int, str]) -> set[int]:
    """The client's integrations that hold the person: linked to it, sent it, or sent to."""
    sent_to = OutboxRow.objects.filter(kind=kind, record_id=record.pk).values_list(
        "integration_id", flat=True
    )
    sources = Change.objects.filter(kind=kind, record_id=record.pk).values_list(
        "source_integration_id", flat=True
    )
    found = set(links) | set(sent_to) | {pk for pk in sources if pk}
    return set(
        Integration.objects.filter(client_id=record.client_id, pk__in=found).values_list(
            "pk", flat=True
        )
    )


def _reviews_close(record_id: Any, acting_user: Any) -> None:
    """Possible duplicates about the person go: its own review with it (its deliveries are
    discarded), and another record waiting on it as a candidate is a person of its own."""
    PossibleDuplicate.objects.filter(record_id=record_id).delete()
    waiting = PossibleDuplicate.objects.filter(
        candidate_id=record_id, status=DuplicateStatus.NEEDS_REVIEW
    )
    for review in waiting:
        duplicate_different(review=review, acting_user=acting_user)


def _record_scrub(record: Prospect | Member, kind: str) -> None:
    shape = record_shape(kind)
    for name, cleared in shape.cleared.items():
        setattr(record, name, _copy(cleared))
    record.name_key = ""
    record.staff_owner_id = None
    record.lead_source_id = None
    record.source_updated_at = None
    record.version += 1
    record.erased_at = timezone.now()
    record.save()


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


def _traces_scrub(record: Prospect | Member, kind: str, mentions: Mentions) -> None:
    """Log lines about the record, and any free text of the client that names the person."""
    logs = LogEntry.objects.filter(client_id=record.client_id)
    naming = _naming(logs, ("summary", "detail"), mentions)
    logs.filter(Q(record_id=record.pk) | Q(pk__in=naming)).update(
        summary=f"A {kind} was erased.", detail=""
    )
    errors = OutboxRow.objects.filter(integration__client_id=record.client_id)
    errors.filter(pk__in=_naming(errors, ("last_error",), mentions)).update(last_error="(erased)")
    runs = SyncRun.objects.filter(integration__client_id=record.client_id)
    runs.filter(pk__in=_naming(runs, ("error",), mentions)).update(error="(erased)")


def _naming(queryset: QuerySet, fields: Sequence[str], mentions: Mentions) -> list[int]:
    """The rows whose text names the person: the database pre-selects, the pattern decides
    (whole words, the phone in any writing)."""
    lookups = [Q(**{f"{field}__icontains": needle}) for field in fields
               for needle in mentions.needles]
    lookups += [Q(**{f"{field}__regex": regex}) for field in fields for regex in mentions.regexes]
    rows = queryset.filter(functools.reduce(operator.or_, lookups)).values_list("pk", *fields)
    return [pk for pk, *texts in rows if mentions.named_in(*texts)]


def _erased_event(
    record: Prospect | Member, kind: str, links: dict[int, str], told: set[int]
) -> None:
    """One `<kind>.erased` change and a delivery to each platform to tell; the platforms' own
    ids go in the change (the links are gone), and nothing else."""
    if not told:
        return
    change = Change.objects.create(
        client_id=record.client_id,
        kind=kind,
        record_id=record.pk,
        event_type=f"{kind}.erased",
        data={**ERASED, "external_ids": {str(pk): ext for pk, ext in links.items()}},
    )
    OutboxRow.objects.bulk_create(
        OutboxRow(integration_id=pk, change=change, kind=kind, record_id=record.pk,
                  event_type=change.event_type)
        for pk in sorted(told)
    )
