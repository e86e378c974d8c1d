"""Routing (product.md §2): which integrations receive a change.

A change that arrives from integration A goes to every other *enabled* integration B of the
same client whose options say B *receives* that kind of data; never back to A (no echo).
Per-destination options narrow it further:

- secondary members (family add-ons) go only where `include_secondary_members` is on;
- conversions: a member that converts a prospect goes to every member receiver, but only
  those with `include_conversions` on are told which prospect it was (the event's
  `prospect_id` / `prospect_external_id`); the others get a plain member.

`receivers_query(...)` loads the candidates once per batch (ingest locks them as it reads);
`routes_for(...)` is pure.
"""

from __future__ import annotations

from django.db.models import QuerySet

from integrations.models import Integration
from integrations.models.choices import DataKind, Direction


def receivers_query(*, client_id: str, kind: str) -> QuerySet[Integration]:
    """The client's enabled integrations that receive `kind` (the source included)."""
    data = [DataKind.BOTH, DataKind.PROSPECTS if kind == "prospect" else DataKind.MEMBERS]
    return Integration.objects.filter(
        client_id=client_id,
        enabled=True,
        direction__in=[Direction.RECEIVE, Direction.BOTH],
        data__in=data,
    ).order_by("id")


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
