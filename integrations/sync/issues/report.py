"""Opening, updating and resolving issues: one statement or two per cause, never per record.

The engine calls these where a problem is found: a delivery pass with the causes of its
batch (`delivery/outcomes.py`), a fetch run, a feed partner's rows as ingest writes them. An
issue is keyed by its cause (integration, kind, subject): a cause seen again updates the same
row (how many it touched, when it was last seen), and a resolved one comes back on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from integrations.models import Issue, IssueStatus, OutboxRow
from integrations.models.issues import IssueKind
from integrations.models.sync import OutboxStatus

ONGOING, RESOLVED = IssueStatus.ONGOING, IssueStatus.RESOLVED
# Kinds whose rows are not delivered yet: their `affected` is the rows that point at them.
ROW_KINDS = (
    IssueKind.CREDENTIALS_REFUSED,
    IssueKind.PLATFORM_DOWN,
    IssueKind.RECORD_REFUSED,
    IssueKind.DELIVERY_FAILED,
    IssueKind.OWNER_HELD,
)
NOT_DELIVERED = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.HELD,
                 OutboxStatus.FAILED)
# Row kinds that are over when no row is left (retried and delivered, released, discarded).
# A refusal or an outage ends with the platform's answer instead (credentials.py, deliver.py).
GONE_WITH_ROWS = (IssueKind.RECORD_REFUSED, IssueKind.DELIVERY_FAILED, IssueKind.OWNER_HELD)


@dataclass(frozen=True, order=True)
class Cause:
    """What went wrong, as the issue's key: its kind, and its subject where the kind alone is
    not the cause (the owner's remote staff id, the lead source's remote id)."""

    kind: str
    subject: str = ""


def issues_report(
    *,
    integration_id: int,
    client_id: str,
    seen: Mapping[Cause, int],
    details: Mapping[Cause, str] | None = None,
    affected: Mapping[Cause, int] | None = None,
    now: dt.datetime | None = None,
) -> dict[Cause, int]:
    """Open or update the issue of each cause (`seen`: how many records or calls it touched
    this time; `affected`: how many it holds up now, for causes no outbox row points at);
    returns {cause: issue id}.

    A constant number of statements however many causes: the issues locked in id order (so
    two writers never wait for each other in turn), the missing ones inserted, and one update
    for all (inside ingest's transaction too, for a feed partner's rows)."""
    if not seen:
        return {}
    now = now or timezone.now()
    with transaction.atomic():
        ids = _locked(integration_id, seen)
        missing = [cause for cause in seen if cause not in ids]
        if missing:
            Issue.objects.bulk_create([
                Issue(integration_id=integration_id, client_id=client_id, kind=cause.kind,
                      subject=cause.subject, first_seen_at=now, last_seen_at=now)
                for cause in missing
            ], ignore_conflicts=True)  # another writer may have opened one a moment ago
            ids.update(_locked(integration_id, missing))
        _seen_again(ids, seen, details or {}, affected or {}, now)
    return ids


def _locked(integration_id: int, causes: Iterable[Cause]) -> dict[Cause, int]:
    """{cause: issue id} of the causes' issues that exist, locked in id order."""
    wanted = set(causes)
    found = (
        Issue.objects.select_for_update()
        .filter(integration_id=integration_id, kind__in={c.kind for c in wanted},
                subject__in={c.subject for c in wanted})
        .order_by("pk").values_list("kind", "subject", "pk")
    )
    return {Cause(kind, subject): pk for kind, subject, pk in found
            if Cause(kind, subject) in wanted}


def _seen_again(ids: Mapping[Cause, int], seen: Mapping[Cause, int],
                details: Mapping[Cause, str], affected: Mapping[Cause, int],
                now: dt.datetime) -> None:
    """One update for every cause: ongoing again, seen counted (from zero when it had been
    resolved), the latest detail and count where given."""
    back = Q(status=RESOLVED)

    def per_issue(values: Mapping[Cause, Any], default: Any, field: models.Field) -> Any:
        whens = [When(pk=ids[cause], then=Value(value)) for cause, value in values.items()
                 if cause in ids]
        return Case(*whens, default=default, output_field=field) if whens else default

    counted = [When(back & Q(pk=pk), then=Value(seen[cause])) for cause, pk in ids.items()]
    counted += [When(pk=pk, then=F("seen") + seen[cause]) for cause, pk in ids.items()]
    Issue.objects.filter(pk__in=ids.values()).update(
        status=ONGOING,
        seen=Case(*counted, default=F("seen"), output_field=models.PositiveBigIntegerField()),
        first_seen_at=Case(When(back, then=Value(now)), default=F("first_seen_at")),
        notified_lasting=Case(When(back, then=Value(False)), default=F("notified_lasting")),
        last_seen_at=now,
        resolved_at=None,
        detail=per_issue({c: d[:300] for c, d in details.items() if d}, F("detail"),
                         models.CharField()),
        affected=per_issue(affected, F("affected"), models.PositiveIntegerField()),
    )


def issues_resolve(*, integration_id: int, causes: Iterable[Cause],
                   now: dt.datetime | None = None) -> int:
    """The causes are gone: their ongoing issues are resolved; returns how many."""
    condition = Q()
    for cause in causes:
        condition |= Q(kind=cause.kind, subject=cause.subject)
    if not condition:
        return 0
    return Issue.objects.filter(condition, integration_id=integration_id, status=ONGOING).update(
        status=RESOLVED, resolved_at=now or timezone.now(), affected=0
    )


def issues_recount(*, issue_ids: Iterable[int], now: dt.datetime | None = None
                   ) -> dict[int, int]:
    """Set `affected` of these issues to the rows not delivered that point at them (one
    grouped read through the outbox's `issue` index, one update per issue whose count
    changed), and resolve those of `GONE_WITH_ROWS` left with none; returns {id: affected}."""
    ids = sorted(set(issue_ids))
    if not ids:
        return {}
    counts = dict(
        OutboxRow.objects.filter(issue_id__in=ids, status__in=NOT_DELIVERED)
        .values_list("issue_id").annotate(n=Count("id")).order_by()
    )
    current = Issue.objects.filter(pk__in=ids, status=ONGOING).values_list(
        "pk", "affected", "kind")
    gone = []
    for pk, affected, kind in current:
        n = counts.get(pk, 0)
        if n == 0 and kind in GONE_WITH_ROWS:
            gone.append(pk)
        elif affected != n:
            Issue.objects.filter(pk=pk).update(affected=n)
    if gone:
        Issue.objects.filter(pk__in=gone, status=ONGOING).update(
            status=RESOLVED, resolved_at=now or timezone.now(), affected=0)
    return {pk: counts.get(pk, 0) for pk in ids}
