"""Ingest: records in, from the partner API and from polling alike (design.md, step 1).

    records_ingest(*, integration, kind: "prospect" | "member", records: list[dict])
        -> list[IngestResult]        # one per record, in order

`records` are normalized dicts (`integrations.records.normalize.record_normalize` output): always
`external_id`; any of the body fields (a key left out keeps the stored value); `staff_owner` /
`lead_source` references in the sender's terms (`{"external_id", "email", "name"}` /
`{"external_id", "name"}`); `updated_at` (aware datetime, the source's own change time);
`connector_id` (link this external id to an existing record); for members
`prospect_external_id` (the sender's id of the prospect it converts) and `is_secondary`.

In ONE transaction, with a constant number of queries per batch: the canonical record
(created or updated), the external-id link, a `Change`, and one `OutboxRow` per receiving
integration (`routing.py`; never the sender). Data that changes nothing writes nothing;
a change older (by `updated_at`) than the stored one is recorded as a `<kind>.ignored` change
and not applied (status "unchanged", `ignored=True`). Per-record problems (an unknown
`connector_id`, ...) come back as status "error" with field errors; the others go on.

The steps: lock the sender and the receivers, read what the batch refers to (links, stored
records, owners and sources, made placeholders where unknown), match the records that have no
link against the client's people (`people.py`: product.md §3a), plan (`plan.py`: pure, no
database), write (`write.py`: COPY on PostgreSQL); after commit the delivery workers of the
destinations are woken (`integrations.sync.delivery.wake.deliveries_kick`).

Ordering: existing records are locked (`SELECT ... FOR UPDATE`, ordered by id) before anything
else is written, so the transaction id PostgreSQL stamps on the outbox rows follows the order
in which writers of one record commit; the change feed relies on it (`feed.py`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.db.ingest import links_by_external_id
from integrations.models import ExternalLink, Integration
from integrations.models.ids import uuid7_many
from integrations.models.matching import DuplicateStatus, PossibleDuplicate, ReviewPolicy
from integrations.records.shape import RecordShape, kind_check, record_shape
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.inbound.echo import refs_drop_unchanged
from integrations.sync.inbound.people import Match, people_match
from integrations.sync.inbound.plan import (
    Batch,
    IngestResult,
    batch_plan,
    default_lead_source_apply,
    duplicates_drop,
)
from integrations.sync.inbound.references import lead_source_refs_resolve, staff_refs_resolve
from integrations.sync.inbound.routing import sender_and_receivers_lock
from integrations.sync.inbound.write import launch_tally, plan_write
from mappings.matching.shared import MATCHED

__all__ = ["IngestResult", "SenderGone", "records_ingest"]

MAX_ATTEMPTS = 3


class SenderGone(LookupError):
    """The sending integration was deleted before the batch could lock it (the API answers
    404, as for a client the caller is not integrated with)."""


def records_ingest(
    *, integration: Integration, kind: str, records: list[dict[str, Any]]
) -> list[IngestResult]:
    """Store a batch of records from `integration`; retries when a concurrent writer won a race.

    Raises SenderGone when the integration was deleted meanwhile."""
    kind_check(kind)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                return _ingest(integration, record_shape(kind), records)
        except IntegrityError:
            # Two writers created the same external id at once: the loser starts over and
            # now finds the winner's link.
            if attempt == MAX_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _ingest(
    integration: Integration, shape: RecordShape, given: list[dict[str, Any]]
) -> list[IngestResult]:
    """One transaction; every query runs once per batch, never per record."""
    # The batch's foreign-key check toward integrations, once (models/integrity.py): the
    # sender and the receivers stay until this transaction commits.
    sender_exists, receivers = sender_and_receivers_lock(
        client_id=integration.client_id, sender_id=integration.pk, kind=shape.kind
    )
    if not sender_exists:
        raise SenderGone("This integration was deleted.")
    live, repeated = duplicates_drop(given)
    records = [given[i] for i in live]
    links, stored, linked_as, prospect_of, matches = _load(integration, shape, records)
    refs_drop_unchanged(
        integration=integration, kind=shape.kind, bodies=records, links=links, stored=stored
    )
    if shape.kind == "prospect":  # not for a person matched: it is not new
        known = {records[i]["external_id"]: m.record_id for i, m in matches.items()
                 if m.status == MATCHED and m.record_id is not None}
        default_lead_source_apply(
            records, links={**links, **known}, name=integration.default_lead_source_name
        )
    now = timezone.now()
    blank, fresh = _blank(shape, integration, now)
    plan = batch_plan(
        Batch(
            shape=shape,
            integration_id=integration.pk,
            client_id=integration.client_id,
            now=now,
            records=records,
            links=links,
            stored=stored,
            linked_as=linked_as,
            prospect_of=prospect_of,
            owners=_refs(integration, records, "staff_owner", staff_refs_resolve),
            sources=_refs(integration, records, "lead_source", lead_source_refs_resolve),
            receivers=receivers,
            new_ids=iter(uuid7_many(len(records))),
            blank=blank,
            fresh=fresh,
            matches=matches,
            review_hold=integration.review_policy(shape.kind) == ReviewPolicy.HOLD,
            under_review=_under_review(stored),
            launching=integration.launching,
        )
    )
    plan_write(
        plan=plan, shape=shape, client_id=integration.client_id, integration_id=integration.pk,
        now=now, launching=integration.launching,
    )
    if integration.launching:
        launch_tally(integration_id=integration.pk, results=plan.results, reviews=plan.reviews)
    deliveries_kick(integration_ids=plan.woken)
    results = dict(zip(live, plan.results, strict=True))
    return [repeated.get(i) or results[i] for i in range(len(given))]


def _load(integration: Integration, shape: RecordShape, records: list[dict[str, Any]]) -> tuple[
    dict[str, uuid.UUID], dict[uuid.UUID, Any], dict[uuid.UUID, str], dict[str, Any],
    dict[int, Match],
]:
    """The sender's links, the stored records (locked, in id order: see the module's note),
    who already holds each `connector_id`, the prospects members convert, and what matching
    says of the records with no link."""
    kind, fk = shape.kind, f"{shape.kind}_id"
    links = links_by_external_id(
        integration_id=integration.pk, kind=kind, external_ids=[r["external_id"] for r in records]
    )
    connector_ids = {uuid.UUID(str(r["connector_id"])) for r in records if r.get("connector_id")}
    matches = people_match(
        client_id=integration.client_id,
        sender_id=integration.pk,
        kind=kind,
        records=records,
        indexes=[
            i for i, r in enumerate(records)
            if r["external_id"] not in links and not r.get("connector_id")
        ],
    )
    matched = {m.record_id for m in matches.values() if m.status == MATCHED and m.kind == kind}
    stored = _stored_locked(integration, shape, set(links.values()) | connector_ids | matched)
    _merged_follow(integration, shape, links, stored)
    matches = {i: m for i, m in matches.items() if m.kind != kind or m.status != MATCHED
               or m.record_id in stored}
    linked_as: dict[uuid.UUID, str] = {}
    if connector_ids:
        linked_as = {
            record_id: ext
            for ext, record_id in ExternalLink.objects.filter(
                integration=integration, kind=kind, **{f"{fk}__any": connector_ids}
            ).values_list("external_id", fk)
        }
    prospect_of: dict[str, Any] = {}
    wanted = {ext for r in records if (ext := r.get("prospect_external_id"))}
    if kind == "member" and wanted:
        prospect_of = links_by_external_id(
            integration_id=integration.pk, kind="prospect", external_ids=wanted
        )
    return links, stored, linked_as, prospect_of, matches


def _under_review(stored: dict[uuid.UUID, Any]) -> frozenset[uuid.UUID]:
    """Those of the stored records whose deliveries are held until their review is decided."""
    if not stored:
        return frozenset()
    return frozenset(
        PossibleDuplicate.objects.filter(
            record_id__any=list(stored), status=DuplicateStatus.NEEDS_REVIEW, held=True
        ).values_list("record_id", flat=True)
    )


def _stored_locked(integration: Integration, shape: RecordShape, ids: set) -> dict[uuid.UUID, Any]:
    """The client's live records of `ids`, locked in id order (none to read in a first import)."""
    if not ids:
        return {}
    found = shape.model.objects.filter(
        client_id=integration.client_id, pk__any=ids, erased_at__isnull=True
    )
    return {obj.pk: obj for obj in found.select_for_update().order_by("pk")}


def _merged_follow(
    integration: Integration, shape: RecordShape, links: dict[str, uuid.UUID],
    stored: dict[uuid.UUID, Any],
) -> None:
    """What arrives for a record merged into another one is applied to that one: the sender's
    links point at the survivor, which is read and locked too."""
    merged = {pk: obj.merged_into_id for pk, obj in stored.items() if obj.merged_into_id}
    if not merged:
        return
    stored.update(_stored_locked(integration, shape, set(merged.values()) - set(stored)))
    for ext, record_id in links.items():
        if record_id in merged and merged[record_id] in stored:
            links[ext] = merged[record_id]


def _blank(
    shape: RecordShape, integration: Integration, now: Any
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """A new record's row before its values: the model defaults and what every new row of
    the batch shares; callable defaults (the empty address) are called per row, so no two
    rows share a mutable value."""
    fields = [f for f in shape.model._meta.concrete_fields if not f.primary_key]
    fresh = [(f.attname, f.default) for f in fields if f.has_default() and callable(f.default)]
    blank = {
        **{f.attname: f.get_default() for f in fields},
        "client_id": integration.client_id,
        "source_integration_id": integration.pk,
        "created_at": now,
        "updated_at": now,
    }
    return blank, fresh


def _refs(
    integration: Integration, records: list[dict[str, Any]], name: str, resolve: Any
) -> dict[int, int | None]:
    """The sender's remote staff / lead source id of each record that names one."""
    given = [i for i, rec in enumerate(records) if name in rec]
    if not given:
        return {}
    # The rows referred to stay until this transaction commits: the resolver locks what it
    # finds (models/integrity.py), and raises IntegrityError (start over) if one vanished.
    ids = resolve(integration=integration, refs=[records[i][name] for i in given])
    return dict(zip(given, ids, strict=True))
