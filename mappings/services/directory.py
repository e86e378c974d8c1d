"""Keep the client's staff directory and lead-source list in step with its primary integration."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.models import Client, Integration
from integrations.models.logs import audit_record
from mappings.matching.lead_sources import lead_source_key
from mappings.models import (
    LeadSource,
    LeadSourceMapping,
    MappingMethod,
    MappingStatus,
    RemoteLeadSource,
    RemoteStaff,
    StaffMapping,
    StaffPerson,
)
from mappings.services.hooks import mapping_changed
from mappings.services.rematch import rematch_queue
from mappings.services.staff_run import save_staff_rows

PERSON_FIELDS = ("first_name", "last_name", "email", "active")
SOURCE_FIELDS = ("name", "external_id", "active")
PRIMARY_REASON = "the primary integration's own staff (the directory)"


def primary_integration(*, client_id: str) -> Integration | None:
    return Integration.objects.filter(client_id=client_id, is_primary=True).first()


@transaction.atomic
def staff_directory_sync(*, client: Client) -> list[int]:
    """Upsert directory people from the primary's roster; people no longer listed go inactive.

    Returns the ids of the directory people that changed (created, renamed, (de)activated).
    """
    client_integrations_lock(client_id=client.pk)
    primary = primary_integration(client_id=client.pk)
    remotes = list(RemoteStaff.objects.filter(integration=primary)) if primary else []
    existing = {p.external_id: p for p in StaffPerson.objects.filter(client=client)}
    listed = {r.external_id: r for r in remotes}
    new, changed = [], []
    for external_id, remote in listed.items():
        person = existing.get(external_id)
        values = {f: getattr(remote, f) for f in PERSON_FIELDS}
        if person is None:
            new.append(StaffPerson(client=client, external_id=external_id, **values))
        elif any(getattr(person, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(person, f, v)
            changed.append(person)
    for external_id, person in existing.items():
        if external_id not in listed and person.active:
            person.active = False
            changed.append(person)
    now = timezone.now()
    for person in changed:
        person.updated_at = now
    StaffPerson.objects.bulk_create(new, batch_size=1000)
    StaffPerson.objects.bulk_update(changed, [*PERSON_FIELDS, "updated_at"], batch_size=1000)
    if primary:
        _primary_links(primary=primary, remotes=remotes)
    return [p.pk for p in changed] + [p.pk for p in new if p.pk]


def client_integrations_lock(*, client_id: str) -> None:
    """Lock the client's integrations until the caller's transaction ends: writers of the
    client's directory, lead sources and their links (runs, a delivery creating a lead
    source) never race on the same rows.

    NO KEY UPDATE: they exclude each other, not ingest's key-share locks (integrity.py).
    """
    integrations = Integration.objects.select_for_update(no_key=True).filter(client_id=client_id)
    list(integrations.values_list("pk"))


def _primary_links(*, primary: Integration, remotes: list[RemoteStaff]) -> None:
    """The primary's own staff map to their directory person, by external id."""
    people = dict(
        StaffPerson.objects.filter(client_id=primary.client_id).values_list("external_id", "pk")
    )
    mappings = {m.remote_id: m for m in StaffMapping.objects.filter(integration=primary)}
    new, changed = [], []
    for remote in remotes:
        person_id = people[remote.external_id]
        mapping = mappings.get(remote.pk)
        if mapping is None:
            new.append(
                _primary_mapping(StaffMapping(remote=remote, integration=primary), person_id)
            )
        elif mapping.person_id != person_id or mapping.method != MappingMethod.PRIMARY:
            changed.append(_primary_mapping(mapping, person_id))
    save_staff_rows([*changed, *new])
    mapping_changed(
        integration_id=primary.pk, remote_staff_ids=[m.remote_id for m in [*new, *changed]]
    )


def _primary_mapping(mapping: StaffMapping, person_id: int) -> StaffMapping:
    mapping.person_id = person_id
    mapping.suggestion_id = None
    mapping.status = MappingStatus.MATCHED
    mapping.method = MappingMethod.PRIMARY
    mapping.score = 1.0
    mapping.reason = PRIMARY_REASON
    mapping.confirmed = False
    return mapping


@transaction.atomic
def lead_sources_sync(*, client: Client) -> None:
    """Upsert the client's lead sources from the primary's; map the primary's to them."""
    client_integrations_lock(client_id=client.pk)
    primary = primary_integration(client_id=client.pk)
    if primary is None:
        return
    remotes = list(RemoteLeadSource.objects.filter(integration=primary))
    existing = {s.normalized_name: s for s in LeadSource.objects.filter(client=client)}
    wanted: dict[str, RemoteLeadSource] = {}
    for remote in remotes:
        key = lead_source_key(remote.name)
        if key and (key not in wanted or (remote.active and not wanted[key].active)):
            wanted[key] = remote
    new, changed = [], []
    for key, remote in wanted.items():
        source = existing.get(key)
        if source is None:
            new.append(LeadSource(client=client, normalized_name=key, **_source_values(remote)))
        elif _source_take(source, _source_values(remote)):
            changed.append(source)
    for key, source in existing.items():
        if key not in wanted and source.active:
            source.active = False
            changed.append(source)
    changed += _sources_insert(client=client, new=new)
    LeadSource.objects.bulk_update(changed, list(SOURCE_FIELDS))
    _primary_source_links(primary=primary, remotes=remotes)


def _source_values(source: RemoteLeadSource | LeadSource) -> dict[str, Any]:
    return {f: getattr(source, f) for f in SOURCE_FIELDS}


def _source_take(source: LeadSource, values: dict[str, Any]) -> bool:
    """Give `source` these values; False when it already has them."""
    if _source_values(source) == values:
        return False
    for f, v in values.items():
        setattr(source, f, v)
    return True


def _sources_insert(*, client: Client, new: list[LeadSource]) -> list[LeadSource]:
    """Insert `new`; returns those another writer added first, given the primary's values.

    A delivery creating a source at a platform adds its name without our lock
    (lead_source_creation.py): its row is taken and updated, never an IntegrityError.
    """
    LeadSource.objects.bulk_create(new, ignore_conflicts=True)
    mine = {s.normalized_name: _source_values(s) for s in new}
    taken = LeadSource.objects.filter(client=client, normalized_name__in=mine)
    return [s for s in taken if _source_take(s, mine[s.normalized_name])]


def _primary_source_links(*, primary: Integration, remotes: list[RemoteLeadSource]) -> None:
    sources = dict(
        LeadSource.objects.filter(client_id=primary.client_id).values_list("normalized_name", "pk")
    )
    mappings = {m.remote_id: m for m in LeadSourceMapping.objects.filter(integration=primary)}
    used: set[int | None] = set()
    rows = []
    for remote in remotes:
        source_id = sources.get(lead_source_key(remote.name))
        if source_id in used:
            source_id = None  # a duplicate name in the primary itself: one link per source
        used.add(source_id)
        mapping = mappings.get(remote.pk) or LeadSourceMapping(remote=remote, integration=primary)
        mapping.lead_source_id = source_id
        mapping.suggestion_id = None
        mapping.status = MappingStatus.MATCHED if source_id else MappingStatus.UNMATCHED
        mapping.method = MappingMethod.PRIMARY if source_id else ""
        mapping.score = 1.0 if source_id else None
        mapping.reason = PRIMARY_REASON if source_id else "duplicate name in the primary"
        rows.append(mapping)
    _save_source_rows(rows)


def _save_source_rows(rows: list[LeadSourceMapping]) -> None:
    fields = ["lead_source", "suggestion", "status", "method", "score", "reason"]
    existing = [m for m in rows if m.pk]
    # Two steps so swapping targets never trips the one-link-per-source constraint.
    LeadSourceMapping.objects.filter(pk__in=[m.pk for m in existing]).update(
        lead_source=None, status=MappingStatus.UNMATCHED
    )
    LeadSourceMapping.objects.bulk_update(existing, fields, batch_size=1000)
    LeadSourceMapping.objects.bulk_create([m for m in rows if not m.pk], batch_size=1000)


@transaction.atomic
def staff_person_save(*, person: StaffPerson, acting_user: Any, changed: list[str]) -> StaffPerson:
    """Save a directory person edited by support staff, audit it, and re-match the client."""
    changed = [f for f in changed if f in ("external_id", *PERSON_FIELDS)]
    old = {}
    if person.pk:
        before = StaffPerson.objects.filter(pk=person.pk).values(*changed).first() or {}
        old = {f: before.get(f) for f in changed}
    person.save()
    audit_record(
        actor=acting_user,
        action="staff_person.save",
        target=person,
        client=person.client_id,
        old=old,
        new={f: getattr(person, f, None) for f in changed},
    )
    others = Integration.objects.filter(client_id=person.client_id, is_primary=False)
    for integration_id in others.values_list("pk", flat=True):
        rematch_queue(integration_id=integration_id)
    return person
