"""Stores the demo's rosters and records through the production services."""

from __future__ import annotations

from integrations.models import Integration


def seed_rosters_and_records(*, intouch: Integration, partner: Integration) -> list[str]:
    """Rosters, matching, prospects and members of the demo; returns lines to print."""
    return []
