"""Fetching from `api` platforms: staff, lead sources, then records changed since the cursor.

Runs under the integration's exclusive lock (see locks.py), so no delivery to the same
platform is half-done while its changes are listed. Each run is a SyncRun with counts.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict
from typing import Any

from django.utils import timezone
from django_q.tasks import async_task

from integrations.adapters.base import Adapter, AdapterError, RemoteRecord
from integrations.db.locks import integration_lock
from integrations.models import Integration, OutboxRow, SyncRun
from integrations.models.choices import Mode
from integrations.models.logs import LogEntry, log_write
from integrations.models.sync import OutboxStatus
from integrations.records.normalize import record_normalize
from integrations.sync.delivery.deliver import adapter_cached
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.inbound.ingest import records_ingest
from mappings.services.rosters import lead_source_roster_replace, staff_roster_replace

logger = logging.getLogger(__name__)
FETCH_LOCK_WAIT_SECONDS = 60.0
MAX_PAGES = 1000  # a runaway cursor must not loop forever


def integration_fetch(*, integration_id: int) -> dict:
    """Fetch one integration now; returns the run's counts ({} if it is gone or not `api`)."""
    integration = (
        Integration.objects.select_related("platform", "client")
        .filter(pk=integration_id, enabled=True, mode=Mode.API)
        .first()
    )
    if integration is None:
        return {}
    with integration_lock(integration_id=integration.pk, exclusive=True,
                          wait_seconds=FETCH_LOCK_WAIT_SECONDS) as held:
        if not held:
            return {"busy": 1}
        counts = _fetch_run(integration)
    _kick_client_deliveries(integration)
    return counts


def _fetch_run(integration: Integration) -> dict:
    run = SyncRun.objects.create(integration=integration, kind=SyncRun.Kind.FETCH)
    counts: Counter[str] = Counter()
    try:
        adapter = adapter_cached(integration)
        _rosters_fetch(integration, adapter, counts)
        for kind in ("prospect", "member"):
            if integration.sends and integration.includes(kind) and _can_fetch(adapter, kind):
                _records_fetch(integration, adapter, kind, counts)
    except AdapterError as error:
        _run_fail(run, integration, counts, error.message)
        return dict(counts)
    now = timezone.now()
    Integration.objects.filter(pk=integration.pk).update(last_fetch_at=now, last_success_at=now)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.SUCCEEDED, finished_at=now, counts=dict(counts)
    )
    return dict(counts)


def _can_fetch(adapter: Adapter, kind: str) -> bool:
    caps = adapter.capabilities
    return caps.fetch_changes and (caps.prospects if kind == "prospect" else caps.members)


def _rosters_fetch(integration: Integration, adapter: Adapter, counts: Counter[str]) -> None:
    platform = integration.platform
    if platform.has_staff and adapter.capabilities.list_staff:
        staff = [_staff_dict(record) for record in adapter.list_staff()]
        staff_roster_replace(integration=integration, staff=staff)
        counts["staff"] = len(staff)
    if platform.has_lead_sources and adapter.capabilities.list_lead_sources:
        sources = [
            {"external_id": s.id, "name": s.name, "active": s.active}
            for s in adapter.list_lead_sources()
        ]
        lead_source_roster_replace(integration=integration, lead_sources=sources)
        counts["lead_sources"] = len(sources)


def _staff_dict(record: Any) -> dict:
    data = asdict(record)
    data["external_id"] = data.pop("id")
    return data


def _records_fetch(integration: Integration, adapter: Adapter, kind: str,
                   counts: Counter[str]) -> None:

    since = (integration.fetch_cursor or {}).get(kind)
    newest, cursor = None, None
    for _ in range(MAX_PAGES):
        page = adapter.list_changed(kind, since=since, cursor=cursor)
        if page.records:
            bodies = _valid_bodies(kind, page.records, counts)
            results = records_ingest(integration=integration, kind=kind, records=bodies)
            counts.update(f"{kind}s_{_status(result)}" for result in results)
            stamps = [r.updated_at for r in page.records if r.updated_at is not None]
            newest = max([newest, *stamps] if newest else stamps, default=None)
        cursor = page.next_cursor
        if not cursor:
            break
    if newest is not None and newest.isoformat() != since:
        # Records changed at exactly `newest` are listed again next time: ingest finds them
        # unchanged, and nothing changed in the same microsecond is ever skipped.
        integration.fetch_cursor = {**(integration.fetch_cursor or {}), kind: newest.isoformat()}
        Integration.objects.filter(pk=integration.pk).update(fetch_cursor=integration.fetch_cursor)


def _valid_bodies(kind: str, records: list[RemoteRecord], counts: Counter[str]) -> list[dict]:
    """Records as the partner API would take them; invalid ones are counted and skipped."""
    bodies = []
    for record in records:
        body, errors = record_normalize(kind=kind, data=_record_body(record),
                                        external_id=record.id)
        if errors:
            counts[f"{kind}s_invalid"] += 1
            logger.info("fetched %s %s is invalid: %s", kind, record.id, errors)
        else:
            bodies.append(body)
    return bodies


def _record_body(record: RemoteRecord) -> dict:
    """The partner-API body; platform-contract ids (`staff_owner_id`) become references."""
    body = {k: v for k, v in record.fields.items() if k not in ("id", "updated_since")}
    body["external_id"] = record.id
    owner_id = body.pop("staff_owner_id", None)
    if owner_id and not body.get("staff_owner"):
        body["staff_owner"] = {"external_id": str(owner_id)}
    source_id = body.pop("lead_source_id", None)
    if source_id and not body.get("lead_source"):
        body["lead_source"] = {"external_id": str(source_id)}
    if record.updated_at is not None:
        body["updated_at"] = record.updated_at.isoformat()
    return body


def _status(result: Any) -> str:
    status = result.get("status") if isinstance(result, dict) else getattr(result, "status", "")
    return str(status or "done")


def _run_fail(run: SyncRun, integration: Integration, counts: Counter[str], message: str) -> None:
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.FAILED, finished_at=timezone.now(), counts=dict(counts),
        error=message[:2000],
    )
    Integration.objects.filter(pk=integration.pk).update(last_fetch_at=timezone.now())
    log_write(
        client_id=integration.client_id,
        integration_id=integration.pk,
        level=LogEntry.Level.ERROR,
        summary=f"Fetching from {integration.platform.name} failed: {message}"[:300],
        detail="The Connector tries again at the next scheduled fetch.",
    )


def _kick_client_deliveries(integration: Integration) -> None:
    """Deliveries that waited for the lock, and rows the fetch wrote for other platforms."""
    due = (
        OutboxRow.objects.filter(integration__client_id=integration.client_id,
                                 status=OutboxStatus.PENDING)
        .values_list("integration_id", flat=True)
        .distinct()
    )
    deliveries_kick(integration_ids=set(due))


# `sync_now`: support staff ask for an immediate fetch of one integration.
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
    return async_task(FETCH_TASK, integration.pk, task_name=f"sync-now-{integration.pk}")
