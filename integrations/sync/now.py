"""`sync_now`: support staff ask for an immediate fetch of one integration."""

from __future__ import annotations

from integrations.models import Integration
from integrations.models.choices import Mode

FETCH_TASK = "integrations.tasks.fetch_integration_task"


class SyncNowError(ValueError):
    """The integration cannot be fetched (unknown, disabled, or not in `api` mode)."""


def integration_for_sync(*, client_id: str, platform_slug: str) -> Integration:
    """The integration to fetch; raises SyncNowError with a one-line reason."""
    integration = (
        Integration.objects.select_related("platform")
        .filter(client_id=client_id, platform__slug=platform_slug)
        .first()
    )
    if integration is None:
        raise SyncNowError(
            f"client {client_id!r} has no integration with platform {platform_slug!r}"
        )
    if integration.mode != Mode.API:
        raise SyncNowError(
            f"{integration} is in push mode: the partner sends its data, nothing to fetch"
        )
    if not integration.enabled:
        raise SyncNowError(f"{integration} is paused; enable it first")
    return integration


def sync_now(*, integration: Integration) -> str:
    """Queue an immediate fetch (staff, lead sources, records); returns the task id."""
    from django_q.tasks import async_task

    return async_task(FETCH_TASK, integration.pk, task_name=f"sync-now-{integration.pk}")
