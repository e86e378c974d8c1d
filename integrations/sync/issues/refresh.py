"""The periodic look at ongoing issues (the outbox sweep, every minute): counts kept true,
and issues resolved whose cause went away without an event telling the engine.

Events resolve most issues at once (a call accepted, a platform back, the last row of an
issue delivered: report.py, credentials.py). What no event tells: an owner mapped by a person
or by re-matching, or marked "no counterpart" (a decision: nobody is to act on it any more),
a lead source mapped. Here they are checked in bulk, a few queries per integration with
such issues, never per record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from integrations.models import Integration, Issue, IssueKind, IssueStatus
from integrations.records.translate import lead_sources_translate, staff_translate
from integrations.sync.issues.report import ROW_KINDS, Cause, issues_recount, issues_resolve
from mappings.models import MappingStatus, StaffMapping

FOLLOWED_UP = (IssueKind.OWNER_MISSING, IssueKind.LEAD_SOURCE_MISSING)


def issues_refresh(*, integration_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Recount the ongoing row issues and resolve what is gone (of these integrations, or all);
    returns counts."""
    ongoing = Issue.objects.filter(status=IssueStatus.ONGOING)
    if integration_ids is not None:
        ongoing = ongoing.filter(integration_id__in=list(integration_ids))
    rows = list(ongoing.values_list("pk", "integration_id", "kind", "subject"))
    before = len(rows)
    issues_recount(issue_ids=[pk for pk, _, kind, _ in rows if kind in ROW_KINDS])
    followed: dict[int, list[Cause]] = defaultdict(list)
    for _, integration_id, kind, subject in rows:
        if kind in FOLLOWED_UP:
            followed[integration_id].append(Cause(kind, subject))
    resolved = sum(_followed_up(integration, followed[integration.pk])
                   for integration in Integration.objects.filter(pk__in=followed)
                   .select_related("platform"))
    left = Issue.objects.filter(pk__in=[pk for pk, *_ in rows], status=IssueStatus.ONGOING)
    return {"ongoing": left.count(), "resolved": before - left.count(), "followed": resolved}


def _followed_up(integration: Integration, causes: list[Cause]) -> int:
    """Resolve the owner and lead-source issues the integration can now be given, or whose
    owner a person marked "no counterpart"."""
    owners = [int(c.subject) for c in causes if c.kind == IssueKind.OWNER_MISSING]
    sources = [int(c.subject) for c in causes if c.kind == IssueKind.LEAD_SOURCE_MISSING]
    gone: list[Cause] = []
    if owners:
        found = staff_translate(integration=integration, remote_staff_ids=list(owners))
        decided = set(StaffMapping.objects.filter(
            Q(status=MappingStatus.NO_COUNTERPART), remote_id__in=owners,
        ).values_list("remote_id", flat=True))
        gone += [Cause(IssueKind.OWNER_MISSING, str(owner)) for owner in owners
                 if owner not in found or found[owner].status == "translated"
                 or owner in decided]
    if sources:
        mapped = lead_sources_translate(integration=integration,
                                        remote_lead_source_ids=list(sources))
        gone += [Cause(IssueKind.LEAD_SOURCE_MISSING, str(source)) for source in sources
                 if source not in mapped or (mapped[source].lead_source or {}).get("external_id")]
    return issues_resolve(integration_id=integration.pk, causes=gone) if gone else 0
