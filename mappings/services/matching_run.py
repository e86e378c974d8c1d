"""Run the matching core for one integration and store its decisions."""

from __future__ import annotations

from integrations.models import Integration


def integration_rematch_run(*, integration: Integration) -> None:
    """Re-match the integration's staff and lead sources (filled in by the matching work)."""
