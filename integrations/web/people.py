"""Records named at read time: the log and issues store ids, the club's pages show names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from integrations.models import Issue, IssueKind, LogEntry, Member, OutboxRow, Prospect
from integrations.models.sync import OutboxStatus
from integrations.sync.issues.report import NOT_DELIVERED, ROW_KINDS


def record_names(ids: Iterable[Any]) -> dict[str, str]:
    """{record id: the person's name now} for prospects and members (two queries); an
    erased person reads "an erased person"."""
    wanted = {_uuid(pk) for pk in ids} - {None}
    names: dict[str, str] = {}
    for model in (Prospect, Member):
        if not wanted:
            break
        for pk, first, last, erased in model.objects.filter(pk__in=wanted).values_list(
                "pk", "first_name", "last_name", "erased_at"):
            full = " ".join(part for part in (first, last) if part)
            names[str(pk)] = "an erased person" if erased else (full or f"{model.__name__} "
                                                                         f"{str(pk)[:8]}")
            wanted.discard(pk)
    return names


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class NamedLine:
    """A log line with the people it is about, named now."""

    entry: LogEntry
    people: list[str]
    more: int


def lines_named(entries: Iterable[LogEntry], *, shown: int = 5) -> list[NamedLine]:
    entries = list(entries)
    names = record_names(pk for e in entries for pk in _ids(e))
    lines = []
    for entry in entries:
        ids = _ids(entry)
        lines.append(NamedLine(entry, [names[pk] for pk in ids[:shown] if pk in names],
                               max(len(ids) - shown, 0)))
    return lines


def _ids(entry: LogEntry) -> list[str]:
    ids = [str(pk) for pk in entry.records or []]
    if entry.record_id and str(entry.record_id) not in ids:
        ids.insert(0, str(entry.record_id))
    return ids


def affected_rows(issue: Issue) -> QuerySet[OutboxRow]:
    """The deliveries an issue holds up (or, for what went out incomplete, those that went
    without the owner or lead source and have not had it since), newest first."""
    rows = OutboxRow.objects.filter(integration_id=issue.integration_id).order_by("-id")
    if issue.kind in ROW_KINDS:
        return rows.filter(issue=issue, status__in=NOT_DELIVERED)
    if issue.kind == IssueKind.OWNER_MISSING:
        owned = Prospect.objects.filter(staff_owner_id=int(issue.subject)).values("pk")
        return rows.filter(status=OutboxStatus.DELIVERED, sent_without_owner=True,
                           record_id__in=owned)
    if issue.kind == IssueKind.LEAD_SOURCE_MISSING:
        sourced = Prospect.objects.filter(lead_source_id=int(issue.subject)).values("pk")
        return rows.filter(status=OutboxStatus.DELIVERED, sent_without_lead_source=True,
                           record_id__in=sourced)
    return rows.none()
