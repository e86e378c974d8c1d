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

Writes go through `ingest_write.py` (COPY on PostgreSQL); after commit the delivery workers
of the destinations are woken (`integrations.sync.delivery.wake.deliveries_kick`).

Ordering: existing records are locked (`SELECT ... FOR UPDATE`, ordered by id) before anything
else is written, so the transaction id PostgreSQL stamps on the outbox rows follows the order
in which writers of one record commit; the change feed relies on it (`feed.py`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from integrations.db.ingest import links_by_external_id, outbox_fan_out, rows_copy, rows_insert
from integrations.models import Change, ExternalLink, Integration, Member, Prospect
from integrations.models.choices import FORMER_MEMBER_STATUSES
from integrations.models.ids import uuid7_many
from integrations.records.shape import change_snapshot, kind_check, record_shape
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.inbound.echo import refs_drop_unchanged
from integrations.sync.inbound.references import lead_source_refs_resolve, staff_refs_resolve
from integrations.sync.inbound.routing import routes_for, sender_and_receivers_lock

MAX_ATTEMPTS = 3


class SenderGone(LookupError):
    """The sending integration was deleted before the batch could lock it (the API answers
    404, as for a client the caller is not integrated with)."""


@dataclass(slots=True)
class IngestResult:
    external_id: str
    status: str  # created | updated | unchanged | error
    id: uuid.UUID | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    ignored: bool = False  # older than the stored version: recorded, not applied
    instance: Prospect | Member | None = field(default=None, repr=False)
    new_row: dict[str, Any] | None = field(default=None, repr=False)
    model: type[Prospect | Member] | None = field(default=None, repr=False)

    @property
    def record(self) -> Prospect | Member | None:
        """The stored record; for a new one the model instance is built on first use only
        (a 500-record batch answers with ids, and building 500 instances costs more than
        writing them)."""
        if self.instance is None and self.new_row is not None and self.model is not None:
            self.instance = self.model(**self.new_row)
            self.instance._state.adding = False
            self.instance._state.db = "default"
        return self.instance


def records_ingest(
    *, integration: Integration, kind: str, records: list[dict[str, Any]]
) -> list[IngestResult]:
    """Store a batch of records from `integration`; retries when a concurrent writer won a race."""
    kind_check(kind)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                return _Batch(integration=integration, kind=kind, records=records).run()
        except IntegrityError:
            # Two writers created the same external id at once: the loser starts over and
            # now finds the winner's link.
            if attempt == MAX_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


class _Batch:
    """One ingest transaction; every query below runs once per batch, never per record."""
    def __init__(self, *, integration: Integration, kind: str, records: list[dict]) -> None:
        self.integration = integration
        # Read once: a model's pk and foreign-key attributes go through descriptors.
        self.integration_id: int = integration.pk
        self.client_id: str = integration.client_id
        self.kind = kind
        self.shape = record_shape(kind)
        self.model = self.shape.model
        self.records = list(records)
        self.results: list[IngestResult | None] = [None] * len(records)
        self.now = timezone.now()
        self.created: list[dict[str, Any]] = []  # new records' rows, as attribute names
        self.updated: list[Any] = []
        self.updated_fields: set[str] = set()
        self.links: list[dict[str, Any]] = []  # rows, as attribute names
        self.changes: list[tuple[dict[str, Any], bool]] = []  # (row, is_secondary)

    def run(self) -> list[IngestResult]:
        self._integrations_lock()
        live = self._drop_duplicates()
        self._blank_prepare(len(live))
        self._load(live)
        refs_drop_unchanged(
            integration=self.integration,
            kind=self.kind,
            bodies=[self.records[i] for i in live],
            links=self.link_of,
            stored=self.stored,
        )
        self._default_lead_source(live)
        owners = self._refs(live, "staff_owner", staff_refs_resolve)
        sources = self._refs(live, "lead_source", lead_source_refs_resolve)
        claimed: dict[uuid.UUID, str] = {}
        for index in live:
            self.results[index] = self._one(
                self.records[index], owners.get(index), sources.get(index), claimed
            )
        self._write()
        return [result for result in self.results if result is not None]

    def _integrations_lock(self) -> None:
        # The batch's foreign-key check toward integrations, once (models/integrity.py): the
        # sender and the receivers stay until this transaction commits.
        sender_exists, self.receivers = sender_and_receivers_lock(
            client_id=self.client_id, sender_id=self.integration_id, kind=self.kind
        )
        if not sender_exists:
            raise SenderGone("This integration was deleted.")

    def _blank_prepare(self, count: int) -> None:
        # A new record's row starts from the model defaults; callable ones (the empty
        # address) are called per record so no two rows share a mutable value. Ids are made
        # for the whole batch at once, in order (models/ids.py).
        fields = [f for f in self.model._meta.concrete_fields if not f.primary_key]
        self.fresh = [
            (f.attname, f.default) for f in fields if f.has_default() and callable(f.default)
        ]
        # What every new row of this batch shares, set once rather than per record.
        self.blank = {
            **{f.attname: f.get_default() for f in fields},
            "client_id": self.client_id,
            "source_integration_id": self.integration_id,
            "created_at": self.now,
            "updated_at": self.now,
        }
        self.new_ids = iter(uuid7_many(count))

    def _drop_duplicates(self) -> list[int]:
        last = {rec["external_id"]: i for i, rec in enumerate(self.records)}
        for i, rec in enumerate(self.records):
            if last[rec["external_id"]] != i:
                self.results[i] = IngestResult(
                    external_id=rec["external_id"],
                    status="error",
                    errors=[{"field": "external_id", "message": "Repeated later in the batch."}],
                )
        return sorted(last.values())

    def _load(self, live: list[int]) -> None:
        fk = f"{self.kind}_id"
        ids = [self.records[i]["external_id"] for i in live]
        self.link_of = links_by_external_id(
            integration_id=self.integration_id, kind=self.kind, external_ids=ids
        )
        connector_ids = {
            uuid.UUID(str(self.records[i]["connector_id"]))
            for i in live
            if self.records[i].get("connector_id")
        }
        self.stored = {}
        record_ids = set(self.link_of.values()) | connector_ids
        if record_ids:  # none when every record is new (a first import): nothing to load
            stored = self.model.objects.filter(client_id=self.client_id, pk__any=record_ids)
            if connection.features.has_select_for_update:
                stored = stored.select_for_update()
            self.stored = {obj.pk: obj for obj in stored.order_by("pk")}
        self.linked_as: dict[uuid.UUID, str] = {}
        if connector_ids:
            self.linked_as = {
                record_id: ext
                for ext, record_id in ExternalLink.objects.filter(
                    integration=self.integration, kind=self.kind, **{f"{fk}__any": connector_ids}
                ).values_list("external_id", fk)
            }
        self.prospect_of: dict[str, uuid.UUID] = {}
        wanted = {ext for i in live if (ext := self.records[i].get("prospect_external_id"))}
        if self.kind == "member" and wanted:
            self.prospect_of = links_by_external_id(
                integration_id=self.integration_id, kind="prospect", external_ids=wanted
            )

    def _default_lead_source(self, live: list[int]) -> None:
        # product.md §1: a new prospect that arrives without a lead source gets the
        # integration's default one ("Import"), mapped like any other source.
        name = self.integration.default_lead_source_name
        if self.kind != "prospect" or not name:
            return
        default = {"name": name}  # one reference for all: only read from here on
        for i in live:
            rec = self.records[i]
            new = not self.link_of.get(rec["external_id"]) and not rec.get("connector_id")
            if new and not rec.get("lead_source"):
                self.records[i] = {**rec, "lead_source": default}

    def _refs(self, live: list[int], name: str, resolve: Any) -> dict[int, int | None]:
        given = [i for i in live if name in self.records[i]]
        if not given:
            return {}
        # The rows referred to stay until this transaction commits: the resolver locks what it
        # finds (models/integrity.py), and raises IntegrityError (start over) if one vanished.
        ids = resolve(integration=self.integration, refs=[self.records[i][name] for i in given])
        return dict(zip(given, ids, strict=True))

    def _one(
        self,
        rec: dict,
        owner_id: int | None,
        source_id: int | None,
        claimed: dict[uuid.UUID, str],
    ) -> IngestResult:
        ext = rec["external_id"]
        target, errors = self._target(rec, claimed)
        cleared = self.shape.cleared
        values = {
            name: (cleared[name] if rec[name] is None else rec[name])
            for name in self.shape.names
            if name in rec
        }
        if "staff_owner" in rec:
            values["staff_owner_id"] = owner_id
        if "lead_source" in rec:
            values["lead_source_id"] = source_id
        if rec.get("prospect_external_id"):
            values["prospect_id"] = self.prospect_of.get(rec["prospect_external_id"])
            if values["prospect_id"] is None:
                errors.append(
                    {"field": "prospect_external_id", "message": "No prospect with this id."}
                )
        if errors:
            return IngestResult(external_id=ext, status="error", errors=errors)
        obj = self.stored.get(target) if target else None
        if obj is None:
            return self._create(rec, values)
        if self.link_of.get(ext) is None:
            self._link(ext, obj.pk)
        return self._update(rec, obj, values)

    def _target(self, rec: dict, claimed: dict[uuid.UUID, str]) -> tuple[Any, list[dict]]:
        ext, linked = rec["external_id"], self.link_of.get(rec["external_id"])
        wanted = rec.get("connector_id")
        if not wanted:
            return linked, []
        wanted = uuid.UUID(str(wanted))
        problem = None
        if linked and linked != wanted:
            problem = "This external_id is linked to another Connector record."
        elif not linked and wanted not in self.stored:
            problem = f"No {self.kind} with this Connector id."
        elif not linked and (self.linked_as.get(wanted) or claimed.get(wanted, ext)) != ext:
            other = self.linked_as.get(wanted) or claimed[wanted]
            problem = f"That record is already linked to external_id '{other}'."
        if problem:
            return None, [{"field": "connector_id", "message": problem}]
        claimed[wanted] = ext
        return wanted, []

    def _link(self, ext: str, record_id: uuid.UUID) -> None:
        self.links.append(
            {
                "integration_id": self.integration_id,
                "kind": self.kind,
                "external_id": ext,
                "prospect_id": record_id if self.kind == "prospect" else None,
                "member_id": record_id if self.kind == "member" else None,
                "created_at": self.now,  # given rather than defaulted: COPY's fast path
            }
        )

    def _create(self, rec: dict, values: dict) -> IngestResult:
        # A plain row rather than a model instance: same values, a fraction of the cost.
        row = self.blank.copy()
        for name, default in self.fresh:
            row[name] = default()
        row["id"] = next(self.new_ids)
        row["source_updated_at"] = rec.get("updated_at")
        row.update(values)
        self.created.append(row)
        self._link(rec["external_id"], row["id"])
        self._change(row, "created", converted=bool(values.get("prospect_id")), former=False)
        return IngestResult(
            external_id=rec["external_id"],
            status="created",
            id=row["id"],
            new_row=row,
            model=self.model,
        )

    def _update(self, rec: dict, obj: Any, values: dict) -> IngestResult:
        ext, incoming = rec["external_id"], rec.get("updated_at")
        if incoming and obj.source_updated_at and incoming < obj.source_updated_at:
            self._ignored(obj, incoming)
            return IngestResult(
                external_id=ext, status="unchanged", id=obj.pk, ignored=True, instance=obj
            )
        diff = {name: value for name, value in values.items() if getattr(obj, name) != value}
        if not diff:
            return IngestResult(external_id=ext, status="unchanged", id=obj.pk, instance=obj)
        converted = "prospect_id" in diff
        former = self.kind == "member" and diff.get("status") in FORMER_MEMBER_STATUSES
        for name, value in diff.items():
            setattr(obj, name, value)
        obj.version += 1
        obj.source_integration = self.integration
        obj.source_updated_at = incoming or obj.source_updated_at
        obj.updated_at = self.now
        self.updated.append(obj)
        self.updated_fields.update(diff)
        self._change(vars(obj), "updated", converted=converted, former=former)
        return IngestResult(external_id=ext, status="updated", id=obj.pk, instance=obj)

    def _change(self, row: dict[str, Any], action: str, *, converted: bool, former: bool) -> None:
        """`row`: the record's values by attribute name (a new row, or a stored instance's
        `vars()`, which holds every loaded field under its attribute name)."""
        change = {
            "client_id": self.client_id,
            "kind": self.kind,
            "record_id": row["id"],
            "event_type": f"{self.kind}.{action}",
            "source_integration_id": self.integration_id,
            "data": change_snapshot(self.shape, row, converted=converted, former=former),
            "source_updated_at": row["source_updated_at"],
            "created_at": self.now,
        }
        self.changes.append((change, self.kind == "member" and row["is_secondary"]))

    def _ignored(self, obj: Any, incoming: Any) -> None:
        change = {
            "client_id": self.client_id,
            "kind": self.kind,
            "record_id": obj.pk,
            "event_type": f"{self.kind}.ignored",
            "source_integration_id": self.integration_id,
            "data": {"reason": "older than stored", "stored": _json(obj.source_updated_at)},
            "source_updated_at": incoming,
            "created_at": self.now,
        }
        self.changes.append((change, False))

    def _write(self) -> None:
        if connection.vendor == "postgresql":
            rows_copy(model=self.model, rows=self.created, now=self.now)
        else:
            model: Any = self.model
            model.objects.bulk_create([model(**row) for row in self.created])
        if self.updated:
            fields = [*self.updated_fields, "version", "source_integration"]
            fields += ["source_updated_at", "updated_at"]
            self.model.objects.bulk_update(self.updated, fields)
        rows_insert(model=ExternalLink, rows=self.links, now=self.now)
        changes = [change for change, _ in self.changes]
        change_ids = rows_insert(model=Change, rows=changes, now=self.now, need_ids=True)
        # The outbox rows, per route (members: secondary ones go only where included).
        delivered: dict[bool, list[int]] = {False: [], True: []}
        for change_id, (change, secondary) in zip(change_ids, self.changes, strict=True):
            if not change["event_type"].endswith(".ignored"):
                delivered[secondary].append(cast(int, change_id))  # stored: it has its id
        destinations: set[int] = set()
        for secondary, ids in delivered.items():
            routes = routes_for(receivers=self.receivers, kind=self.kind, is_secondary=secondary)
            if ids and routes:
                published = {dest.pk for dest in routes if dest.reads_feed}
                outbox_fan_out(
                    change_ids=ids,
                    destination_ids=[dest.pk for dest in routes],
                    published_ids=published,
                    now=self.now,
                )
                destinations.update(dest.pk for dest in routes if dest.pk not in published)
        # Wake the delivery workers for the destinations with rows to send, after commit
        # (a feed partner's rows are published as written: nothing to wake).
        deliveries_kick(integration_ids=destinations)
