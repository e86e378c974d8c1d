"""Stores the demo's rosters and records through the production services.

The same services the partner API and fetching use: roster replace, matching, ingest. Each is
idempotent, so seeding twice changes nothing.
"""

from __future__ import annotations

from integrations import demo
from integrations.models import Integration
from integrations.records.normalize import record_normalize
from integrations.sync.inbound.ingest import records_ingest
from mappings.models import StaffMapping
from mappings.services.matching_run import integration_rematch_run
from mappings.services.rosters import lead_source_roster_replace, staff_roster_replace


def seed_rosters_and_records(*, intouch: Integration, partner: Integration) -> list[str]:
    """Rosters, matching, prospects and members of the demo; returns lines to print."""
    rosters = [
        (intouch, demo.INTOUCH_STAFF, demo.INTOUCH_LEAD_SOURCES),
        (partner, demo.PARTNER_STAFF, demo.PARTNER_LEAD_SOURCES),
    ]
    for integration, staff, lead_sources in rosters:
        staff_roster_replace(integration=integration, staff=demo.staff_dicts(staff))
        lead_source_roster_replace(
            integration=integration, lead_sources=demo.lead_source_dicts(lead_sources)
        )
    # The primary first: it makes the directory the partner's staff are matched against.
    integration_rematch_run(integration=intouch)
    integration_rematch_run(integration=partner)
    lines = [_mapping_summary(partner)]
    for kind, bodies in (("prospect", demo.PARTNER_PROSPECTS), ("member", demo.PARTNER_MEMBERS)):
        lines.append(_ingest(partner, kind, bodies))
    return lines


def _ingest(integration: Integration, kind: str, bodies: list[dict]) -> str:
    records = []
    for body in bodies:
        record, errors = record_normalize(kind=kind, data=body)
        if errors:
            raise ValueError(f"demo {kind} {body.get('external_id')} is invalid: {errors}")
        records.append(record)
    results = records_ingest(integration=integration, kind=kind, records=records)
    created = sum(result.status == "created" for result in results)
    return f"{kind}s from {integration.platform.name}: {created} new, {len(results) - created} kept"


def _mapping_summary(integration: Integration) -> str:
    statuses = list(
        StaffMapping.objects.filter(integration=integration).values_list("status", flat=True)
    )
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    described = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items())
    return f"{integration.platform.name} staff: {described}"
