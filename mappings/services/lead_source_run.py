"""Run the lead-source matching core for one integration and store its decisions."""

from __future__ import annotations

from collections import Counter
from typing import cast

from django.db import transaction
from django.utils import timezone

from integrations.models import Integration
from mappings.matching.lead_sources import Source, match_lead_sources
from mappings.matching.shared import Fixed
from mappings.models import LeadSource, LeadSourceMapping, MappingStatus, RemoteLeadSource
from mappings.services.decisions import decision_apply

FIELDS = ["lead_source", "suggestion", "status", "method", "score", "reason", "updated_at"]


def save_lead_source_rows(rows: list[LeadSourceMapping]) -> None:
    """Store changed and new rows in bulk, unlinking first so targets can move."""
    now = timezone.now()
    for m in rows:
        m.updated_at = now
    existing = [m for m in rows if m.pk]
    LeadSourceMapping.objects.filter(
        pk__in=[m.pk for m in existing], lead_source__isnull=False
    ).update(lead_source=None, status=MappingStatus.UNMATCHED)
    LeadSourceMapping.objects.bulk_update(existing, FIELDS, batch_size=1000)
    LeadSourceMapping.objects.bulk_create([m for m in rows if not m.pk], batch_size=1000)


@transaction.atomic
def lead_source_match_run(*, integration: Integration) -> dict[str, int]:
    """Match an integration's lead sources with the client's; confirmed rows stay as they are.

    One run at a time per integration (as `staff_match_run`): two at once would both create
    the mapping of a new remote source and one would fail on its uniqueness."""
    Integration.objects.select_for_update(no_key=True).filter(pk=integration.pk).first()
    mappings = {m.remote_id: m for m in LeadSourceMapping.objects.filter(integration=integration)}
    fixed = [
        Fixed(m.remote_id, m.status, m.lead_source_id, m.method, m.score, m.reason)
        for m in mappings.values()
        if m.confirmed
    ]
    canonical = [
        Source(*row)
        for row in LeadSource.objects.filter(client_id=integration.client_id).values_list(
            "pk", "name", "active"
        )
    ]
    remote = [
        Source(*row)
        for row in RemoteLeadSource.objects.filter(integration=integration).values_list(
            "pk", "name", "active"
        )
    ]
    decisions = match_lead_sources(canonical=canonical, remote=remote, fixed=fixed)
    rows = []
    for decision in decisions:
        if decision.confirmed:
            continue
        remote_id = cast(int, decision.remote_id)  # the remote rows' pks
        mapping = mappings.get(remote_id) or LeadSourceMapping(
            remote_id=remote_id, integration=integration
        )
        if decision_apply(mapping, decision, target="lead_source") or mapping.pk is None:
            rows.append(mapping)
    save_lead_source_rows(rows)
    return dict(Counter(d.status for d in decisions))
