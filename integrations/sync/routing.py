"""Routing (product.md §2): which integrations receive a change.

A change that arrives from integration A goes to every other *enabled* integration B of the
same client whose options say B *receives* that kind of data; never back to A (no echo).
Per-destination options narrow it further:

- secondary members (family add-ons) go only where `include_secondary_members` is on;
- conversions: a member that converts a prospect goes to every member receiver, but only
  those with `include_conversions` on are told which prospect it was (the event's
  `prospect_id` / `prospect_external_id`); the others get a plain member.

`receivers_for(...)` loads the candidates once per batch; `routes_for(...)` is pure.
"""

from __future__ import annotations

from integrations.models import Integration
from integrations.models.choices import DataKind, Direction


def receivers_for(*, client_id: str, source_id: int | None, kind: str) -> list[Integration]:
    """The client's enabled integrations that receive `kind`, except the source (one query)."""
    data = [DataKind.BOTH, DataKind.PROSPECTS if kind == "prospect" else DataKind.MEMBERS]
    candidates = Integration.objects.filter(
        client_id=client_id,
        enabled=True,
        direction__in=[Direction.RECEIVE, Direction.BOTH],
        data__in=data,
    ).order_by("id")
    if source_id is not None:
        candidates = candidates.exclude(pk=source_id)
    return list(candidates)


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
