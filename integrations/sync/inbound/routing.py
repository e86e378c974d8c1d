"""Routing (product.md §2): which integrations receive a change.

A change that arrives from integration A goes to every other *enabled* integration B of the
same client whose options say B *receives* that kind of data; never back to A (no echo).
Per-destination options narrow it further:

- secondary members (family add-ons) go only where `include_secondary_members` is on;
- conversions: a member that converts a prospect goes to every member receiver, but only
  those with `include_conversions` on are told which prospect it was (the event's
  `prospect_id` / `prospect_external_id`); the others get a plain member.

`sender_and_receivers_lock(...)` loads the candidates once per batch (and locks them);
`routes_for(...)` is pure.
"""

from __future__ import annotations

from typing import NamedTuple

from integrations.db.ingest import receivers_locked
from integrations.models import Integration
from integrations.models.integrity import rows_lock


class Receiver(NamedTuple):
    """What routing reads of a receiving integration."""

    pk: int
    include_secondary_members: bool
    # A push partner without an active webhook: it reads the change feed, so its outbox rows
    # are published (delivered) as they are written, with nothing to send (delivery.py).
    reads_feed: bool = False
    # It takes the staff owner or the lead source: a feed reader's rows are then checked as
    # they are written (held, or flagged to follow up), `delivery/feed_rows.py`.
    takes_refs: bool = False


def sender_and_receivers_lock(
    *, client_id: str, sender_id: int, kind: str
) -> tuple[bool, list[Receiver]]:
    """Whether the sender still exists, and the client's enabled integrations that receive
    `kind` except the sender (no echo): one query, the rows locked against deletion until the
    transaction ends (`FOR KEY SHARE`, models/integrity.py; `db.ingest.receivers_locked`)."""
    found = [
        Receiver(pk, secondary, feed, refs)
        for pk, secondary, feed, refs in receivers_locked(
            client_id=client_id, sender_id=sender_id, kind=kind
        )
    ]
    return (
        any(row.pk == sender_id for row in found),
        [row for row in found if row.pk != sender_id],
    )


def feed_switch_lock(*, integration_id: int) -> None:
    """Before a change of how `integration` receives (its webhook switched on or off): wait
    for the ingest batches that routed to it, and make later ones wait for this transaction.

    Ingest writes a feed partner's rows as already published, holding its receivers `FOR KEY
    SHARE`; the integration row is locked as for a delete (`models.integrity.rows_lock`), so
    no batch writes rows by the old answer after the new one is committed.
    """
    rows_lock(Integration.objects.filter(pk=integration_id))


def routes_for(
    *, receivers: list[Receiver], kind: str, is_secondary: bool = False
) -> list[Receiver]:
    """The receivers that take this record (secondary members only where included)."""
    if kind == "member" and is_secondary:
        return [dest for dest in receivers if dest.include_secondary_members]
    return list(receivers)


def conversion_visible(*, destination: Integration) -> bool:
    """Whether `destination` is told which prospect a member converted from."""
    return destination.include_conversions
