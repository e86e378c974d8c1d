"""Run the staff matching core for one integration and store its decisions, set-based."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.utils import timezone

from integrations.models import Integration
from mappings.matching.shared import Fixed
from mappings.matching.staff import Staff, match_staff
from mappings.models import MappingStatus, RemoteStaff, StaffMapping, StaffPerson
from mappings.services.decisions import decision_apply
from mappings.services.hooks import mapping_changed

DECISION_FIELDS = ["person", "suggestion", "status", "method", "score", "reason", "updated_at"]
STAFF_FIELDS = ("pk", "first_name", "last_name", "email", "active")


@dataclass(frozen=True)
class MatchSummary:
    matched: int = 0
    needs_review: int = 0
    unmatched: int = 0
    no_counterpart: int = 0
    changed: int = 0


def _directory(client_id: str) -> list[Staff]:
    rows = StaffPerson.objects.filter(client_id=client_id).values_list(*STAFF_FIELDS)
    return [Staff(*row) for row in rows]


def _roster(integration: Integration) -> list[Staff]:
    rows = RemoteStaff.objects.filter(integration=integration).values_list(*STAFF_FIELDS)
    return [Staff(*row) for row in rows]


def _fixed(mapping: StaffMapping) -> Fixed:
    return Fixed(
        mapping.remote_id,
        mapping.status,
        mapping.person_id,
        mapping.method,
        mapping.score,
        mapping.reason,
    )


def save_staff_rows(rows: list[StaffMapping]) -> None:
    """Store changed and new mapping rows in bulk, never tripping the one-link constraint."""
    now = timezone.now()
    existing = [m for m in rows if m.pk]
    for m in rows:
        m.updated_at = now
    # Unlink first: a person moving from one remote to another would otherwise collide.
    StaffMapping.objects.filter(pk__in=[m.pk for m in existing], person__isnull=False).update(
        person=None, status=MappingStatus.UNMATCHED
    )
    StaffMapping.objects.bulk_update(existing, DECISION_FIELDS, batch_size=1000)
    StaffMapping.objects.bulk_create([m for m in rows if not m.pk], batch_size=1000)


@transaction.atomic
def staff_match_run(*, integration: Integration) -> MatchSummary:
    """Match the remote staff against the directory; confirmed rows stay as they are."""
    Integration.objects.select_for_update(no_key=True).filter(pk=integration.pk).first()
    mappings = {m.remote_id: m for m in StaffMapping.objects.filter(integration=integration)}
    fixed = [_fixed(m) for m in mappings.values() if m.confirmed]
    decisions = match_staff(
        directory=_directory(integration.client_id), remote=_roster(integration), fixed=fixed
    )
    rows, linked = [], []
    for decision in decisions:
        if decision.confirmed:
            continue
        remote_id = cast(int, decision.remote_id)  # the roster's pks (`_roster`)
        mapping = mappings.get(remote_id)
        if mapping is None:
            mapping = StaffMapping(remote_id=remote_id, integration=integration)
        old_person = mapping.person_id
        if decision_apply(mapping, decision, target="person") or mapping.pk is None:
            rows.append(mapping)
            if mapping.person_id and mapping.person_id != old_person:
                linked.append(mapping.remote_id)
    save_staff_rows(rows)
    mapping_changed(integration_id=integration.pk, remote_staff_ids=linked)
    counts = Counter(d.status for d in decisions)
    return MatchSummary(
        matched=counts[MappingStatus.MATCHED],
        needs_review=counts[MappingStatus.NEEDS_REVIEW],
        unmatched=counts[MappingStatus.UNMATCHED],
        no_counterpart=counts[MappingStatus.NO_COUNTERPART],
        changed=len(rows),
    )
