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

from django.db import connection

from integrations.models import Integration
from integrations.models.choices import DataKind, Direction
from integrations.models.integrity import integrations_lock_for_writing


def sender_and_receivers_lock(
    *, client_id: str, sender_id: int, kind: str
) -> tuple[Integration | None, list[Integration]]:
    """The sender, and the client's enabled integrations that receive `kind` except the sender
    (no echo): one query, the rows locked against deletion until the transaction ends
    (models/integrity.py). The sender is None when it no longer exists.

    Plain SQL: this runs for every ingest batch, and building the same filter with the ORM
    cost more than the query itself.
    """
    data = [DataKind.BOTH, DataKind.PROSPECTS if kind == "prospect" else DataKind.MEMBERS]
    table = connection.ops.quote_name(Integration._meta.db_table)
    sql = (
        f"SELECT * FROM {table} WHERE client_id = %s AND (id = %s OR (enabled"  # noqa: S608 - our table name
        " AND direction IN (%s, %s) AND data IN (%s, %s))) ORDER BY id"
    )
    params = [client_id, sender_id, Direction.RECEIVE, Direction.BOTH, *data]
    found = integrations_lock_for_writing(sql, params)
    sender = next((row for row in found if row.pk == sender_id), None)
    return sender, [row for row in found if row.pk != sender_id]


def routes_for(
    *, receivers: list[Integration], kind: str, is_secondary: bool = False
) -> list[Integration]:
    """The receivers that take this record (secondary members only where included)."""
    if kind == "member" and is_secondary:
        return [dest for dest in receivers if dest.include_secondary_members]
    return list(receivers)


def conversion_visible(*, destination: Integration) -> bool:
    """Whether `destination` is told which prospect a member converted from."""
    return destination.include_conversions
