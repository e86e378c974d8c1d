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

from django.db import connection

from integrations.models import Integration
from integrations.models.choices import DataKind, Direction


class Receiver(NamedTuple):
    """What routing reads of a receiving integration."""

    pk: int
    include_secondary_members: bool


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
    table = connection.ops.quote_name(Integration._meta.db_table)
    lock = " FOR KEY SHARE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT id, include_secondary_members FROM {table} WHERE client_id = %s"  # noqa: S608 - our table name
        " AND (id = %s OR (enabled AND direction IN (%s, %s) AND data IN (%s, %s)))"
        f" ORDER BY id{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [client_id, sender_id, Direction.RECEIVE, Direction.BOTH, *data])
        found = [Receiver(pk, bool(secondary)) for pk, secondary in cursor.fetchall()]
    return (
        any(row.pk == sender_id for row in found),
        [row for row in found if row.pk != sender_id],
    )


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
