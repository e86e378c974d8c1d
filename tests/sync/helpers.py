"""Building outbox rows the way ingest does, for tests that start at delivery; reading a feed."""

from __future__ import annotations

import time

from integrations.models import Change, Integration, OutboxRow, Prospect
from integrations.records.shape import record_snapshot
from integrations.sync.delivery.feed import feed_page
from mappings.models import (
    LeadSource,
    LeadSourceMapping,
    MappingStatus,
    RemoteLeadSource,
    RemoteStaff,
    StaffPerson,
)


def prospect_row(
    *, destination: Integration, prospect: Prospect | None = None, **fields
) -> OutboxRow:
    """A prospect (new unless given) and one outbox row for `destination`, as ingest makes."""
    if prospect is None:
        fields.setdefault("first_name", "Ana")
        fields.setdefault("last_name", "Lopez")
        prospect = Prospect.objects.create(client_id=destination.client_id, **fields)
    change = Change.objects.create(
        client_id=destination.client_id,
        kind="prospect",
        record_id=prospect.pk,
        event_type="prospect.created",
        data=record_snapshot(prospect),
    )
    return OutboxRow.objects.create(
        integration=destination,
        change=change,
        kind="prospect",
        record_id=prospect.pk,
        event_type=change.event_type,
    )


def same_person(*remotes: RemoteStaff) -> StaffPerson:
    """Map remote staff of several integrations to one directory person (as matching does)."""
    person = StaffPerson.objects.create(
        client_id=remotes[0].integration.client_id,
        external_id=f"P-{remotes[0].external_id}",
        first_name=remotes[0].first_name,
        last_name=remotes[0].last_name,
    )
    for remote in remotes:
        remote.mapping.person = person
        remote.mapping.status = MappingStatus.MATCHED
        remote.mapping.save()
    return person


def same_lead_source(*remotes: RemoteLeadSource) -> LeadSource:
    """Map remote lead sources of several integrations to one of the client's (as matching
    does, or a person in the admin)."""
    first = remotes[0]
    source, _ = LeadSource.objects.get_or_create(
        client_id=first.integration.client_id, normalized_name=first.name.lower(),
        defaults={"name": first.name})
    for remote in remotes:
        LeadSourceMapping.objects.update_or_create(remote=remote, defaults={
            "integration": remote.integration, "lead_source": source,
            "status": MappingStatus.MATCHED})
    return source


def feed(reader, after=None, *, expect: int = 0) -> tuple[list[dict], str]:
    """The feed after `after`, once it shows `expect` events: on PostgreSQL it serves rows
    below the oldest transaction running anywhere on the server (feed.py), and other test
    suites sharing it can hold that back for a moment."""
    deadline = time.monotonic() + 20
    while True:
        events, cursor = feed_page(integration=reader, after=after, limit=100)
        if len(events) >= expect or time.monotonic() > deadline:
            return events, cursor
        time.sleep(0.05)
