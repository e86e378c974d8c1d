"""Read-only queries of the mapping app (selectors read, services write)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import cast

from django.db.models import Count, QuerySet

from mappings.matching.staff import Staff, staff_candidates
from mappings.models import (
    LeadSourceMapping,
    MappingStatus,
    RemoteStaff,
    StaffMapping,
    StaffPerson,
)

QUEUE_STATUSES = (MappingStatus.NEEDS_REVIEW, MappingStatus.UNMATCHED)


def _counts(queryset: QuerySet, client_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    ids = list(client_ids)
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for client_id in ids:
        result[client_id] = {status: 0 for status in MappingStatus.values}
    rows = (
        queryset.filter(integration__client_id__in=ids, integration__is_primary=False)
        .values_list("integration__client_id", "status")
        .annotate(total=Count("id"))
        .order_by()
    )
    for client_id, status, total in rows:
        result[client_id][status] = total
    return dict(result)


def staff_mapping_counts(client_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Per client: {'matched': n, 'needs_review': n, 'unmatched': n, 'no_counterpart': n}.

    The primary integration's own staff (the directory itself) are not counted. One query.
    """
    return _counts(StaffMapping.objects.all(), client_ids)


def lead_source_mapping_counts(client_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Per client, like `staff_mapping_counts`, for lead sources. One query."""
    return _counts(LeadSourceMapping.objects.all(), client_ids)


def staff_review_queue(*, client_id: str | None = None) -> QuerySet[StaffMapping]:
    """Remote staff that need a person: needs review or unmatched (also after an unlink)."""
    queryset = StaffMapping.objects.filter(status__in=QUEUE_STATUSES)
    if client_id is not None:
        queryset = queryset.filter(integration__client_id=client_id)
    return queryset


def staff_mappings_pending_release(*, integration_id: int | None = None) -> QuerySet:
    """Links made or changed whose held prospects / owner updates are not yet handled."""
    queryset = StaffMapping.objects.filter(pending_release=True)
    if integration_id is not None:
        queryset = queryset.filter(integration_id=integration_id)
    return queryset


def staff_mapping_candidates(*, mapping: StaffMapping, limit: int = 5) -> list[dict]:
    """The directory people most like the mapping's remote staff, best first, with reasons."""
    people = {
        p.pk: p
        for p in StaffPerson.objects.filter(client_id=mapping.integration.client_id).only(
            "pk", "first_name", "last_name", "email", "active", "external_id"
        )
    }
    remote = mapping.remote
    roster = RemoteStaff.objects.filter(integration_id=mapping.integration_id).values_list(
        "pk", "first_name", "last_name", "email", "active"
    )
    found = staff_candidates(
        remote=Staff(remote.pk, remote.first_name, remote.last_name, remote.email, remote.active),
        directory=[
            Staff(p.pk, p.first_name, p.last_name, p.email, p.active) for p in people.values()
        ],
        roster=[Staff(*row) for row in roster],
        limit=limit,
    )
    return [
        {"person": people[cast(int, pid)], "score": score, "reason": reason}
        for pid, score, reason in found
    ]
