"""A feed partner's rows follow the owner and lead-source rules of every transport.

An `api` platform's or a webhook's row is completed when it is sent (completion.py): held for
an unmapped owner (policy *hold*), or sent without its owner or lead source and flagged, so
the missing part follows as an update once mapped. A feed partner's rows are not sent: ingest
writes them *published* and the feed serves them in (txid, id) order, never one behind a
cursor it has handed out (feed.py). So the same rules are applied when a feed row is written,
inside the writer's transaction, before any reader can see it:

- an owner the partner has no mapping for, policy *hold*: the row is written `held`; the feed
  never serves a held row, and a record's later rows wait behind it (held too), as the claim
  keeps a record's rows in order for the other transports;
- released (the mapping is made), the event is published as a NEW row, after every cursor
  handed out, and the held row becomes `superseded` (never served): a held row made
  servable in place would appear behind cursors partners already hold;
- policy *send without owner*, or a lead source it has no mapping for: published, flagged
  `sent_without_owner` / `sent_without_lead_source`, and followed by an update event when the
  mapping is made (release.py, recheck.py), as for the other transports.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Case, Q, Value, When
from django.utils import timezone

from integrations.models import Change, Integration, IssueKind, OutboxRow
from integrations.models.choices import Mode, UnmatchedOwner
from integrations.models.logs import LogEntry, log_entry, log_write_many
from integrations.models.sync import OutboxStatus
from integrations.records.translate import lead_sources_translate, staff_translate
from integrations.sync.issues.report import Cause, issues_report
from integrations.sync.issues.words import staff_words
from mappings.models import MappingStatus, RemoteStaff

BEHIND = "Waiting behind an earlier change of this record that is held."


@dataclass(frozen=True)
class FeedItem:
    """A change just routed to feed partners, with what its event refers to."""

    change_id: int
    kind: str
    record_id: uuid.UUID
    staff_owner_id: int | None
    lead_source_id: int | None


def feed_integrations(*, integration_ids: Iterable[int]) -> set[int]:
    """Those of the integrations that read the change feed (push, no active webhook)."""
    ids = set(integration_ids)
    if not ids:
        return set()
    return set(
        Integration.objects.filter(pk__in=ids)
        .exclude(mode=Mode.API)
        .exclude(webhook__active=True)
        .values_list("pk", flat=True)
    )


def feed_rows_decide(*, integration_ids: Collection[int], items: list[FeedItem]) -> None:
    """Hold or flag the rows just written for these feed partners (in the writer's
    transaction), whose owner or lead source the partner cannot be given."""
    if not items or not integration_ids:
        return
    if not any(item.staff_owner_id or item.lead_source_id for item in items):
        return
    partners = (
        Integration.objects.filter(pk__in=integration_ids)
        .filter(Q(staff_owner=True) | Q(lead_source=True))
        .select_related("platform", "default_staff")
    )
    for partner in partners:
        _decide(partner, items)


def _decide(partner: Integration, items: list[FeedItem]) -> None:
    owners = _missing_owners(partner, items)
    sources = _missing_sources(partner, items)
    hold = partner.unmatched_owner == UnmatchedOwner.HOLD
    held_before = _first_held(partner, items) if hold else {}
    held: dict[int | None, list[FeedItem]] = {}  # by owner; None: behind a held row
    no_owner: list[FeedItem] = []
    no_source: list[FeedItem] = []
    for item in sorted(items, key=lambda i: i.change_id):
        if held_before.get(item.record_id, item.change_id) < item.change_id:
            held.setdefault(None, []).append(item)
            continue
        if item.staff_owner_id in owners and hold:
            held.setdefault(item.staff_owner_id, []).append(item)
            held_before.setdefault(item.record_id, item.change_id)
            continue
        if item.staff_owner_id in owners:
            no_owner.append(item)
        if item.lead_source_id in sources:
            no_source.append(item)
    issues = _issues(partner, held, no_owner, no_source, owners)
    for owner, group in held.items():
        reason = _held_words(owners[owner], partner) if owner is not None else BEHIND
        _rows(partner, group).update(
            status=OutboxStatus.HELD, delivered_at=None, hold_reason=reason[:200],
            issue_id=issues.get(Cause(IssueKind.OWNER_HELD, str(owner))) if owner else None)
    _flag(partner, no_owner, no_source)
    _warn(partner, held, no_owner, owners, no_source, sources)


def _issues(partner: Integration, held: dict[int | None, list[FeedItem]],
            no_owner: list[FeedItem], no_source: list[FeedItem],
            owners: dict[int, RemoteStaff]) -> dict[Cause, int]:
    """One issue per owner held for or sent without (but one marked "no counterpart"), and
    per lead source: one upsert each, for the whole batch."""
    seen: Counter[Cause] = Counter()
    for owner, group in held.items():
        if owner is not None:
            seen[Cause(IssueKind.OWNER_HELD, str(owner))] += len(group)
    for item in no_owner:
        if item.staff_owner_id and not _no_counterpart(owners[item.staff_owner_id]):
            seen[Cause(IssueKind.OWNER_MISSING, str(item.staff_owner_id))] += 1
    for item in no_source:
        seen[Cause(IssueKind.LEAD_SOURCE_MISSING, str(item.lead_source_id))] += 1
    if not seen:
        return {}
    return issues_report(integration_id=partner.pk, client_id=partner.client_id, seen=seen)


def _no_counterpart(remote: RemoteStaff) -> bool:
    mapping = getattr(remote, "mapping", None)
    return mapping is not None and mapping.status == MappingStatus.NO_COUNTERPART


def _first_held(partner: Integration, items: list[FeedItem]) -> dict[uuid.UUID, int]:
    """{record id: its first held change} for the records of `items` held at the partner."""
    first: dict[uuid.UUID, int] = {}
    for record_id, change_id in OutboxRow.objects.filter(
        integration=partner, status=OutboxStatus.HELD,
        record_id__in={item.record_id for item in items},
    ).values_list("record_id", "change_id"):
        first[record_id] = min(change_id, first.get(record_id, change_id))
    return first


def _missing_owners(partner: Integration, items: list[FeedItem]) -> dict[int, RemoteStaff]:
    """{owner id: the owner} for owners the partner gets no staff id for (the default staff
    stands in where the policy names one: nothing follows then)."""
    ids = {item.staff_owner_id for item in items if item.staff_owner_id}
    if not partner.staff_owner or not ids:
        return {}
    if partner.unmatched_owner == UnmatchedOwner.DEFAULT_STAFF and partner.default_staff:
        return {}
    found = staff_translate(integration=partner, remote_staff_ids=list(ids))
    missing = {rid for rid in ids if rid not in found or found[rid].status != "translated"}
    found_staff = RemoteStaff.objects.filter(pk__in=missing).select_related(
        "integration__platform", "mapping")
    return {remote.pk: remote for remote in found_staff}


def _held_words(owner: RemoteStaff, partner: Integration) -> str:
    return f"Waiting for a staff mapping of {staff_words(owner)} in {partner.platform.name}."


def _missing_sources(partner: Integration, items: list[FeedItem]) -> dict[int, str]:
    """{lead source id: its name} for the sources the partner gets no id for."""
    ids = {item.lead_source_id for item in items if item.lead_source_id}
    if not partner.lead_source or not ids:
        return {}
    found = lead_sources_translate(integration=partner, remote_lead_source_ids=list(ids))
    return {
        rid: ((found[rid].lead_source or {}).get("name") or "") if rid in found else ""
        for rid in ids
        if rid not in found or not (found[rid].lead_source or {}).get("external_id")
    }


def _rows(partner: Integration, items: list[FeedItem]):
    """The published rows of these changes (a superseded row of the same change is not)."""
    return OutboxRow.objects.filter(
        integration=partner,
        record_id__in={item.record_id for item in items},
        change_id__in=[item.change_id for item in items],
        status=OutboxStatus.DELIVERED,
    )


def _flag(partner: Integration, no_owner: list[FeedItem], no_source: list[FeedItem]) -> None:
    """Both flags in one statement (this runs inside ingest's transaction)."""
    if not no_owner and not no_source:
        return

    def flag(items: list[FeedItem]) -> Case:
        return Case(When(change_id__in=[i.change_id for i in items], then=Value(True)),
                    default=Value(False))

    _rows(partner, no_owner + no_source).update(
        sent_without_owner=flag(no_owner), sent_without_lead_source=flag(no_source))


def _warn(partner: Integration, held: dict[int | None, list[FeedItem]],
          no_owner: list[FeedItem], owners: dict[int, RemoteStaff], no_source: list[FeedItem],
          sources: dict[int, str]) -> None:
    """One line per batch and cause (not one per record): per owner, per lead source, all
    written in one statement."""
    platform = partner.platform.name
    lines: list[LogEntry] = []
    for owner, group in held.items():
        if owner is not None:
            who = staff_words(owners[owner])
            lines.append(_line(partner, group, f"held until {who} has a staff mapping in "
                               f"{platform}: sent the moment it is made."))
    for owner_id, group in _by(no_owner, "staff_owner_id").items():
        who = staff_words(owners[owner_id])
        follows = (f"{who} is marked as having no counterpart, so leads of theirs go without "
                   "one." if _no_counterpart(owners[owner_id]) else
                   f"{who} has no staff mapping there. The owner follows when the mapping is "
                   "made.")
        lines.append(_line(partner, group, f"went to {platform} without an owner: {follows}"))
    for source_id, group in _by(no_source, "lead_source_id").items():
        lines.append(_line(partner, group, f"went to {platform} without its lead source "
                           f"“{sources.get(source_id, '')}”: it has no lead-source mapping "
                           "there. It follows when the lead source is mapped."))
    log_write_many(lines)


def _by(items: list[FeedItem], attribute: str) -> dict[int, list[FeedItem]]:
    groups: dict[int, list[FeedItem]] = {}
    for item in items:
        groups.setdefault(getattr(item, attribute), []).append(item)
    return groups


def _line(partner: Integration, group: list[FeedItem], words: str) -> LogEntry:
    what = f"A {group[0].kind}" if len(group) == 1 else f"{len(group)} {group[0].kind}s"
    return log_entry(
        client_id=partner.client_id,
        integration_id=partner.pk,
        level=LogEntry.Level.WARNING,
        summary=f"{what} {words}"[:300],
        detail="Changes: " + ", ".join(str(i.change_id) for i in group[:50]),
        record_kind=group[0].kind,
        record_ids=[item.record_id for item in group],
    )


def feed_held_release(*, rows: list[OutboxRow]) -> int:
    """Publish held feed rows whose owner can now be given, as new rows (see the module's
    note); a record's rows in order, stopping at one still held. Returns how many."""
    by_partner: dict[int, list[OutboxRow]] = {}
    for row in sorted(rows, key=lambda r: r.pk):
        by_partner.setdefault(row.integration_id, []).append(row)
    released = 0
    for partner in Integration.objects.filter(pk__in=by_partner).select_related(
        "platform", "default_staff"
    ):
        released += _release(partner, by_partner[partner.pk])
    return released


def _release(partner: Integration, rows: list[OutboxRow]) -> int:
    changes = Change.objects.in_bulk({row.change_id for row in rows})
    items = {
        row.pk: FeedItem(row.change_id, row.kind, row.record_id,
                         changes[row.change_id].data.get("staff_owner_id"),
                         changes[row.change_id].data.get("lead_source_id"))
        for row in rows
    }
    still = _missing_owners(partner, list(items.values())) \
        if partner.unmatched_owner == UnmatchedOwner.HOLD else {}
    stuck: set[uuid.UUID] = set()
    going: list[OutboxRow] = []
    for row in rows:
        if row.record_id in stuck or items[row.pk].staff_owner_id in still:
            stuck.add(row.record_id)
            continue
        going.append(row)
    if not going:
        return 0
    now = timezone.now()
    new = OutboxRow.objects.bulk_create([
        OutboxRow(integration_id=partner.pk, change_id=row.change_id, kind=row.kind,
                  record_id=row.record_id, event_type=row.event_type,
                  status=OutboxStatus.DELIVERED, delivered_at=now)
        for row in going
    ])
    for old, fresh in zip(going, new, strict=True):
        OutboxRow.objects.filter(pk=old.pk, status=OutboxStatus.HELD).update(
            status=OutboxStatus.SUPERSEDED, hold_reason="",
            last_error=f"Released: published as delivery #{fresh.pk}.")
    feed_rows_decide(integration_ids=[partner.pk], items=[items[row.pk] for row in going])
    return len(going)
