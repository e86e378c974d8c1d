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

from typing import Any, NamedTuple

from django.db import connection

from integrations.models import Integration, WebhookEndpoint
from integrations.models.choices import DataKind, Direction, Mode
from integrations.models.integrity import rows_lock


class Receiver(NamedTuple):
    """What routing reads of a receiving integration."""

    pk: int
    include_secondary_members: bool
    # A push partner without an active webhook: it reads the change feed, so its outbox rows
    # are published (delivered) as they are written, with nothing to send (delivery.py).
    reads_feed: bool = False


def sender_and_receivers_lock(
    *, client_id: str, sender_id: int, kind: str
) -> tuple[bool, list[Receiver]]:
    """Whether the sender still exists, and the client's enabled integrations that receive
    `kind` except the sender (no echo): one query, the rows locked against deletion until the
    transaction ends (`FOR KEY SHARE`, models/integrity.py).

    Plain SQL returning plain tuples: this runs for every ingest batch, and building the same
    filter with the ORM, or model instances from the rows, cost more than the query itself.
    """
    data = [DataKind.BOTH, DataKind.PROSPECTS if kind == "prospect" else DataKind.MEMBERS]
    quote = connection.ops.quote_name
    table, hooks = quote(Integration._meta.db_table), quote(WebhookEndpoint._meta.db_table)
    lock = " FOR KEY SHARE" if connection.features.has_select_for_update else ""
    # Table names are ours. Whether a receiver reads the feed holds until this transaction
    # ends: a webhook is switched on or off only under `feed_switch_lock`, which waits for it.
    sql = (
        f"SELECT i.id, i.include_secondary_members, i.mode <> %s AND NOT EXISTS"  # noqa: S608
        f" (SELECT 1 FROM {hooks} w WHERE w.integration_id = i.id AND w.active)"
        f" FROM {table} i WHERE i.client_id = %s AND (i.id = %s OR (i.enabled"
        " AND i.direction IN (%s, %s) AND i.data IN (%s, %s)))"
        f" ORDER BY i.id{lock}"
    )
    params: list[Any] = [Mode.API, client_id, sender_id, Direction.RECEIVE, Direction.BOTH, *data]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = [
            Receiver(pk, bool(secondary), bool(feed)) for pk, secondary, feed in cursor.fetchall()
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
