"""The periodic follow-up of what went out incomplete or waits for a mapping.

A staff mapping made tells the engine at once (release.py). Everything else that can make a
missing part available is caught here, once a minute (the outbox sweep): a lead source
mapped by a person or by re-matching after a roster fetch, and any release the immediate path
missed (a mapping committed while a row was being held, between the two reads). For each row
delivered without its owner or lead source that the destination can now be given, an update
is queued (release.updates_queue); each held row whose owner can now be given is released.

Bounded work per run: up to `BATCH` rows of each kind, continuing where the last run stopped
(a position kept in the cache), so a long list of rows that stay incomplete (an owner marked
*no counterpart*) is gone through a part at a time, never all at once.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from integrations.models import Integration, Member, OutboxRow, Prospect
from integrations.models.choices import UnmatchedOwner
from integrations.models.sync import OutboxStatus
from integrations.records.translate import lead_sources_translate, staff_translate
from integrations.sync.delivery.release import held_rows_release, updates_queue
from integrations.sync.delivery.wake import deliveries_kick

BATCH = 2000
_INCOMPLETE = Q(sent_without_owner=True) | Q(sent_without_lead_source=True)


def outbox_recheck() -> dict[str, int]:
    """Queue updates for rows now completable, release held rows; returns counts."""
    updated = _run("incomplete", OutboxRow.objects.filter(_INCOMPLETE,
                                                          status=OutboxStatus.DELIVERED),
                   _updates_for)
    released = _run("held", OutboxRow.objects.filter(status=OutboxStatus.HELD), _release_for)
    return {"updates": updated, "released": released}


def _run(name: str, rows: Any, act: Any) -> int:
    key = f"outbox-recheck:{name}"
    after = cache.get(key) or 0
    ids = list(rows.filter(id__gt=after).order_by("id").values_list("id", flat=True)[:BATCH])
    cache.set(key, ids[-1] if len(ids) == BATCH else 0, timeout=None)
    if not ids:
        return 0
    with transaction.atomic():
        locked = list(rows.select_for_update(skip_locked=True, of=("self",)).filter(id__in=ids)
                      .select_related("integration__platform"))
        done = act(locked)
    return done


def _current(rows: list[OutboxRow]) -> dict[Any, tuple[int | None, int | None]]:
    """{record id: (staff owner id, lead source id)} as the records stand now."""
    found: dict[Any, tuple[int | None, int | None]] = {}
    for model, kind in ((Prospect, "prospect"), (Member, "member")):
        ids = {row.record_id for row in rows if row.kind == kind}
        if ids:
            found.update({pk: (owner, source) for pk, owner, source in model.objects.filter(
                pk__in=ids).values_list("pk", "staff_owner_id", "lead_source_id")})
    return found


def _translated(rows: list[OutboxRow]) -> Any:
    """(row, its record's owner now translates, its lead source now does), per row."""
    current = _current(rows)
    grouped: dict[int, list[OutboxRow]] = defaultdict(list)
    for row in rows:
        grouped[row.integration_id].append(row)
    for group in grouped.values():
        refs = [current.get(row.record_id, (None, None)) for row in group]
        owners, sources = _translatable(group[0].integration, refs)
        for row, (owner, source) in zip(group, refs, strict=True):
            yield row, owner in owners, source in sources


def _translatable(integration: Integration, refs: list[tuple[int | None, int | None]]
                  ) -> tuple[set[int], set[int]]:
    """(owners, lead sources) of `refs` that the integration can now be given."""
    owners = staff_translate(integration=integration,
                             remote_staff_ids=[owner for owner, _ in refs])
    sources = lead_sources_translate(integration=integration,
                                     remote_lead_source_ids=[source for _, source in refs])
    return (
        {rid for rid, t in owners.items() if t.status == "translated"},
        {rid for rid, t in sources.items() if (t.lead_source or {}).get("external_id")},
    )


def _updates_for(rows: list[OutboxRow]) -> int:
    done = [row for row, owner, source in _translated(rows)
            if (row.sent_without_owner and owner) or (row.sent_without_lead_source and source)]
    counts: dict[int, int] = {}
    for client_id in {row.integration.client_id for row in done}:
        counts.update(updates_queue(client_id=client_id, reason="owner or lead source mapped",
                                    rows=[r for r in done if r.integration.client_id == client_id]))
    deliveries_kick(integration_ids=set(counts))
    return len({(row.integration_id, row.record_id) for row in done})


def _release_for(rows: list[OutboxRow]) -> int:
    going = [row for row, owner, _ in _translated(rows) if owner or not _holds(row.integration)]
    counts = held_rows_release(rows=going)
    deliveries_kick(integration_ids=set(counts))
    return len(going)


def _holds(integration: Integration) -> bool:
    return integration.staff_owner and integration.unmatched_owner == UnmatchedOwner.HOLD
