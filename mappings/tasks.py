"""django-q2 tasks of the mapping app: they take ids, reload, and call one service."""

from __future__ import annotations

from integrations.models import Integration
from mappings.services.matching_run import integration_rematch_run


def integration_rematch(integration_id: int) -> None:
    """Re-run staff and lead-source matching for one integration (quietly if it is gone)."""
    integration = Integration.objects.filter(pk=integration_id).select_related("client").first()
    if integration is None:
        return

    integration_rematch_run(integration=integration)
