"""Ingest's planner: what a batch of records changes, decided without the database.

    batch_plan(batch: Batch) -> Plan

`Batch` is what ingest has read for the batch (the records, the sender's links, the stored
records, the resolved owner and source ids, the receivers); `Plan` is what to store: new
records, updates, links, changes with their destinations, and one result per record. A pure
function over dataclasses, like the matching cores: its tests need no database, and the
writer (`write.py`) stores a plan in a constant number of statements.

Rules (design.md step 1, product.md §2): a record is found by the sender's external-id link,
else by `connector_id` (which links it); a change older than the stored one (the source's
`updated_at`) is recorded as `<kind>.ignored` and not applied; data that changes nothing
plans nothing; a member naming `prospect_external_id` converts that prospect. A record with no
link that matching found to be a person the client already has (`people.py`, `Batch.matches`)
is linked to that person (a member certain to be a prospect is its conversion); one that may
be is stored as new and planned for review, its changes held if the sender's option says so.
A record's name is stored normalized too (`name_key`), for matching to look it up by.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from integrations.models.choices import FORMER_MEMBER_STATUSES
from integrations.records.shape import RecordShape, change_snapshot
from integrations.sync.inbound.people import Match, name_changed, name_key
from integrations.sync.inbound.routing import Receiver, routes_for
from mappings.matching.shared import MATCHED

FieldErrors = list[dict[str, str]]
REPEATED = {"field": "external_id", "message": "Repeated later in the batch."}


@dataclass(slots=True)
class IngestResult:
    external_id: str
    status: str  # created | updated | unchanged | error
    id: uuid.UUID | None = None
    errors: FieldErrors = field(default_factory=list)
    # For an error: "invalid" (the record's fault), "conflict" (a link) or "not_found" (a
    # record it names by connector_id or prospect_external_id does not exist).
    code: str = ""
    ignored: bool = False  # older than the stored version: recorded, not applied
    instance: Any = field(default=None, repr=False)
    new_row: dict[str, Any] | None = field(default=None, repr=False)
    model: Any = field(default=None, repr=False)
    matched: dict[str, Any] | None = None  # certainly a person the client had: how, and why

    @property
    def record(self) -> Any:
        """The stored record; for a new one the model instance is built on first use only
        (a 500-record batch answers with ids, and building 500 instances costs more than
        writing them)."""
        if self.instance is None and self.new_row is not None and self.model is not None:
            self.instance = self.model(**self.new_row)
            self.instance._state.adding = False
            self.instance._state.db = "default"
        return self.instance


@dataclass(slots=True)
class Batch:
    """What ingest read for one batch; the planner only reads it."""

    shape: RecordShape
    integration_id: int
    client_id: str
    now: datetime
    records: list[dict[str, Any]]  # normalized; one per external id (`duplicates_drop`)
    links: Mapping[str, uuid.UUID]  # the sender's external id -> record id
    stored: Mapping[uuid.UUID, Any]  # record id -> the stored record (a model instance)
    linked_as: Mapping[uuid.UUID, str]  # a `connector_id` record -> the sender's id for it
    prospect_of: Mapping[str, uuid.UUID]  # members: the sender's prospect id -> record id
    owners: Mapping[int, int | None]  # record index -> the sender's remote staff id
    sources: Mapping[int, int | None]  # record index -> the sender's remote lead source id
    receivers: Sequence[Receiver]
    new_ids: Iterator[uuid.UUID]  # ids for new records, in order
    blank: Mapping[str, Any]  # a new record's row before its values (model defaults)
    fresh: Sequence[tuple[str, Any]] = ()  # (attribute, callable default) made per row
    matches: Mapping[int, Match] = field(default_factory=dict)  # record index -> matching
    review_hold: bool = False  # the sender holds records that need review
    under_review: frozenset[uuid.UUID] = frozenset()  # stored records whose deliveries wait
    launching: bool = False  # the sender is in a launch preview: nothing it sends goes out yet


@dataclass(slots=True)
class Update:
    """New values for a stored record (the writer sets them and bumps the version)."""

    record: Any
    values: dict[str, Any]
    source_updated_at: datetime | None


@dataclass(slots=True)
class Fanout:
    """One outbox row for each of `changes` (indexes into `Plan.changes`) and destination."""

    changes: list[int]
    destination_ids: list[int]
    published_ids: frozenset[int]  # destinations that read the feed: written delivered
    # Feed readers that take owners or lead sources: their rows are checked once written.
    checked_ids: frozenset[int] = frozenset()


@dataclass(slots=True)
class Plan:
    results: list[IngestResult]
    creates: list[dict[str, Any]] = field(default_factory=list)  # rows, by attribute name
    updates: list[Update] = field(default_factory=list)
    updated_fields: set[str] = field(default_factory=set)
    links: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # Change rows
    fanouts: list[Fanout] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)  # PossibleDuplicate rows
    held: list[int] = field(default_factory=list)  # changes whose deliveries wait for review

    @property
    def woken(self) -> set[int]:
        """The destinations whose delivery workers have rows to send after commit."""
        return {
            pk for fan in self.fanouts for pk in fan.destination_ids if pk not in fan.published_ids
        }


def duplicates_drop(records: list[dict[str, Any]]) -> tuple[list[int], dict[int, IngestResult]]:
    """The indexes of the records to store (the last of each external id) and an error result
    for each earlier one."""
    last = {rec["external_id"]: i for i, rec in enumerate(records)}
    errors = {
        i: IngestResult(external_id=rec["external_id"], status="error", errors=[REPEATED],
                        code="invalid")
        for i, rec in enumerate(records)
        if last[rec["external_id"]] != i
    }
    return sorted(last.values()), errors


def default_lead_source_apply(
    records: list[dict[str, Any]], *, links: Mapping[str, uuid.UUID], name: str
) -> None:
    """product.md §1: a new prospect that names no lead source gets the integration's
    default one ("Import"), mapped like any other (one reference for all: only read)."""
    if not name:
        return
    default = {"name": name}
    for i, rec in enumerate(records):
        new = not links.get(rec["external_id"]) and not rec.get("connector_id")
        if new and not rec.get("lead_source"):
            records[i] = {**rec, "lead_source": default}


def batch_plan(batch: Batch) -> Plan:
    """What storing `batch.records` changes, and one result per record, in order."""
    return _Planner(batch).run()


class _Planner:
    def __init__(self, batch: Batch) -> None:
        self.b = batch
        self.kind = batch.shape.kind
        self.plan = Plan(results=[])
        self.claimed: dict[uuid.UUID, str] = {}  # connector ids linked in this batch
        self.secondary: list[bool] = []  # per change: a secondary member's (routed apart)

    def run(self) -> Plan:
        for index, rec in enumerate(self.b.records):
            self.plan.results.append(self._one(index, rec))
        self._route()
        if self.b.launching:
            self.plan.held = list(range(len(self.plan.changes)))
        return self.plan

    def _one(self, index: int, rec: dict[str, Any]) -> IngestResult:
        ext = rec["external_id"]
        target, errors, code = self._target(rec)
        cleared = self.b.shape.cleared
        values = {
            name: (cleared[name] if rec[name] is None else rec[name])
            for name in self.b.shape.names
            if name in rec
        }
        if "staff_owner" in rec:
            values["staff_owner_id"] = self.b.owners.get(index)
        if "lead_source" in rec:
            values["lead_source_id"] = self.b.sources.get(index)
        if rec.get("prospect_external_id"):
            values["prospect_id"] = self.b.prospect_of.get(rec["prospect_external_id"])
            if values["prospect_id"] is None:
                errors.append(
                    {"field": "prospect_external_id", "message": "No prospect with this id."}
                )
                code = code or "not_found"
        if errors:
            return IngestResult(external_id=ext, status="error", errors=errors, code=code)
        match = None if target else self.b.matches.get(index)
        if match and match.status == MATCHED:
            return self._matched(rec, values, match)
        stored = self.b.stored.get(target) if target else None
        if stored is None:
            result = self._create(rec, values)
            if match:
                self._review(index, result, match)
            return result
        if self.b.links.get(ext) is None:
            self._link(ext, stored.pk)
        return self._update(rec, stored, values)

    def _matched(self, rec: dict[str, Any], values: dict[str, Any], match: Match) -> IngestResult:
        """A person the client already has: the sender's id is linked to it (a member to a
        prospect: a new member, its conversion, unless it names the prospect itself)."""
        matched = {"method": match.method, "reason": match.reason}
        if match.kind != self.kind:
            if "prospect_id" not in values:
                values["prospect_id"] = match.record_id
                matched["prospect_id"] = str(match.record_id)
            result = self._create(rec, values)
        else:
            stored = self.b.stored[cast(uuid.UUID, match.record_id)]  # read, locked by ingest
            self._link(rec["external_id"], stored.pk)
            result = self._update(rec, stored, values)
            if result.status == "unchanged" and not result.ignored:
                result.status = "updated"  # the partner's id is now linked to the person
        result.matched = matched
        return result

    def _review(self, index: int, result: IngestResult, match: Match) -> None:
        """A new record that may be a person the client had (or an earlier record of this
        batch): queued for review, its deliveries held by the sender's option."""
        kind, candidate = match.kind, match.record_id
        if match.same_as is not None and candidate is None:
            kind, candidate = self.kind, self.plan.results[match.same_as].id
        if candidate is None:
            return
        self.plan.reviews.append(
            {
                "client_id": self.b.client_id,
                "integration_id": self.b.integration_id,
                "kind": self.kind,
                "record_id": result.id,
                "external_id": result.external_id,
                "candidate_kind": kind,
                "candidate_id": candidate,
                "score": match.score,
                "method": match.method[:40],
                "reason": match.reason[:500],
                "candidates": list(match.candidates),
                "held": self.b.review_hold,
                "created_at": self.b.now,
            }
        )
        if self.b.review_hold:
            self.plan.held.append(len(self.plan.changes) - 1)

    def _target(self, rec: dict[str, Any]) -> tuple[Any, FieldErrors, str]:
        """The record this one is (by link or `connector_id`), or an error and its code."""
        ext, linked = rec["external_id"], self.b.links.get(rec["external_id"])
        wanted = rec.get("connector_id")
        if not wanted:
            return linked, [], ""
        wanted = uuid.UUID(str(wanted))
        problem, code = None, "conflict"
        if linked and linked != wanted:
            problem = "This external_id is linked to another Connector record."
        elif not linked and wanted not in self.b.stored:
            problem, code = f"No {self.kind} with this Connector id.", "not_found"
        elif not linked and (self.b.linked_as.get(wanted) or self.claimed.get(wanted, ext)) != ext:
            other = self.b.linked_as.get(wanted) or self.claimed[wanted]
            problem = f"That record is already linked to external_id '{other}'."
        if problem:
            return None, [{"field": "connector_id", "message": problem}], code
        self.claimed[wanted] = ext
        return wanted, [], ""

    def _link(self, ext: str, record_id: uuid.UUID) -> None:
        self.plan.links.append(
            {
                "integration_id": self.b.integration_id,
                "kind": self.kind,
                "external_id": ext,
                "prospect_id": record_id if self.kind == "prospect" else None,
                "member_id": record_id if self.kind == "member" else None,
                "created_at": self.b.now,  # given rather than defaulted: COPY's fast path
            }
        )

    def _create(self, rec: dict[str, Any], values: dict[str, Any]) -> IngestResult:
        # A plain row rather than a model instance: same values, a fraction of the cost.
        row = dict(self.b.blank)
        for name, default in self.b.fresh:
            row[name] = default()
        row["id"] = next(self.b.new_ids)
        row["source_updated_at"] = rec.get("updated_at")
        row.update(values)
        row["name_key"] = name_key(row)
        self.plan.creates.append(row)
        self._link(rec["external_id"], row["id"])
        self._change(row, "created", converted=bool(values.get("prospect_id")), former=False)
        return IngestResult(
            external_id=rec["external_id"],
            status="created",
            id=row["id"],
            new_row=row,
            model=self.b.shape.model,
        )

    def _update(self, rec: dict[str, Any], stored: Any, values: dict[str, Any]) -> IngestResult:
        ext, incoming = rec["external_id"], rec.get("updated_at")
        if incoming and stored.source_updated_at and incoming < stored.source_updated_at:
            self._ignored(stored, incoming)
            return IngestResult(
                external_id=ext, status="unchanged", id=stored.pk, ignored=True, instance=stored
            )
        diff = {name: value for name, value in values.items() if getattr(stored, name) != value}
        if name_changed(vars(stored), diff):
            diff["name_key"] = name_key({**vars(stored), **diff})
        if not diff:
            return IngestResult(external_id=ext, status="unchanged", id=stored.pk, instance=stored)
        converted = "prospect_id" in diff
        former = self.kind == "member" and diff.get("status") in FORMER_MEMBER_STATUSES
        self.plan.updates.append(Update(stored, diff, incoming or stored.source_updated_at))
        self.plan.updated_fields.update(diff)
        # The record as it will be stored: the snapshot is taken of the new values.
        after = {
            **vars(stored),
            **diff,
            "version": stored.version + 1,
            "source_updated_at": incoming or stored.source_updated_at,
        }
        self._change(after, "updated", converted=converted, former=former)
        if stored.pk in self.b.under_review:  # waits behind its held creation
            self.plan.held.append(len(self.plan.changes) - 1)
        return IngestResult(external_id=ext, status="updated", id=stored.pk, instance=stored)

    def _change(
        self, row: Mapping[str, Any], action: str, *, converted: bool, former: bool
    ) -> None:
        """`row`: the record's values by attribute name."""
        self.plan.changes.append(
            {
                "client_id": self.b.client_id,
                "kind": self.kind,
                "record_id": row["id"],
                "event_type": f"{self.kind}.{action}",
                "source_integration_id": self.b.integration_id,
                "data": change_snapshot(self.b.shape, row, converted=converted, former=former),
                "source_updated_at": row["source_updated_at"],
                "created_at": self.b.now,
            }
        )
        self.secondary.append(self.kind == "member" and bool(row["is_secondary"]))

    def _ignored(self, stored: Any, incoming: datetime) -> None:
        stamp = stored.source_updated_at
        self.plan.changes.append(
            {
                "client_id": self.b.client_id,
                "kind": self.kind,
                "record_id": stored.pk,
                "event_type": f"{self.kind}.ignored",
                "source_integration_id": self.b.integration_id,
                "data": {"reason": "older than stored", "stored": stamp.isoformat()},
                "source_updated_at": incoming,
                "created_at": self.b.now,
            }
        )
        self.secondary.append(False)

    def _route(self) -> None:
        """The outbox rows: every change but the ignored ones, to each receiver that takes it
        (secondary members only where included); feed readers' rows are written delivered."""
        routed: dict[bool, list[int]] = {False: [], True: []}
        for index, change in enumerate(self.plan.changes):
            if not change["event_type"].endswith(".ignored"):
                routed[self.secondary[index]].append(index)
        for secondary, indexes in routed.items():
            routes = routes_for(receivers=list(self.b.receivers), kind=self.kind,
                                is_secondary=secondary)
            if indexes and routes:
                self.plan.fanouts.append(
                    Fanout(
                        changes=indexes,
                        destination_ids=[dest.pk for dest in routes],
                        published_ids=frozenset(dest.pk for dest in routes if dest.reads_feed),
                        checked_ids=frozenset(
                            dest.pk for dest in routes if dest.reads_feed and dest.takes_refs
                        ),
                    )
                )
