"""Re-match one integration: the primary refreshes the directory, the others match against it."""

from __future__ import annotations

from integrations.models import Integration
from mappings.services.directory import lead_sources_sync, staff_directory_sync
from mappings.services.lead_source_run import lead_source_match_run
from mappings.services.rematch import rematch_queue
from mappings.services.staff_run import staff_match_run


def integration_rematch_run(*, integration: Integration) -> None:
    """Re-match the integration's staff and lead sources (confirmed decisions are kept).

    For the primary integration this refreshes the client's directory and lead-source list,
    then queues a re-match of every other integration of the client.
    """
    if integration.is_primary:
        staff_directory_sync(client=integration.client)
        lead_sources_sync(client=integration.client)
        others = Integration.objects.filter(client_id=integration.client_id, is_primary=False)
        for other_id in others.values_list("pk", flat=True):
            rematch_queue(integration_id=other_id)
        return
    staff_match_run(integration=integration)
    lead_source_match_run(integration=integration)
