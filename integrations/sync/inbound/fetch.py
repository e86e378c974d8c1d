"""Fetching from `api` platforms: staff, lead sources, then records changed since the cursor.

Runs under the integration's exclusive lock (see locks.py), so no delivery to the same
platform is half-done while its changes are listed. Each run is a SyncRun with counts.

A platform under load fails some calls: each call is tried again within the run (a few
times, within seconds), and a list that still cannot be fetched does not stop the others.
What could not be fetched is a visible problem (a `partial` or `failed` run, a line in the
connector log) and is fetched again a minute later, not at the next interval. A fetched
record that is not valid is not skipped for good either: it is logged, and the cursor stays
at it, so it is fetched again (for `CONNECTOR_FETCH_INVALID_RETRY_HOURS`).
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from integrations.adapters import adapter_cached
from integrations.adapters.base import Adapter, AdapterError, AuthError, ChangesPage, RemoteRecord
from integrations.db.locks import integration_lock
from integrations.logging_redact import redact
from integrations.models import Integration, IssueKind, OutboxRow, SyncRun
from integrations.models.choices import Mode
from integrations.models.logs import LogEntry, log_write
from integrations.models.sync import OutboxStatus
from integrations.monitoring.tally import fetched_tally
from integrations.records.normalize import record_normalize
from integrations.records.rosters import LEAD_SOURCE_FIELDS, STAFF_FIELDS, roster_entry
from integrations.sync import conf
from integrations.sync.delivery.credentials import credentials_work
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.inbound.ingest import records_ingest
from integrations.sync.issues.report import Cause, issues_report, issues_resolve
from mappings.services.rosters import lead_source_roster_replace, staff_roster_replace

logger = logging.getLogger(__name__)
_rng = random.SystemRandom()
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
    """Each list on its own: a list that cannot be fetched is a problem of the run, recorded
    and fetched again soon, while the others are fetched as usual."""
    run = SyncRun.objects.create(integration=integration, kind=SyncRun.Kind.FETCH)
    counts: Counter[str] = Counter()
    problems: list[str] = []
    adapter = adapter_cached(integration)
    try:
        for name, step in _steps(integration, adapter):
            try:
                step(counts)
            except AuthError:
                raise  # every other call would be refused too
            except AdapterError as error:
                problems.append(f"{name}: {error.message}")
                counts[f"{name.replace(' ', '_')}_failed"] = 1
    except AuthError as error:
        _run_fail(run, integration, counts, error.message)
        _issue(integration, Cause(IssueKind.CREDENTIALS_REFUSED), error.message)
        return dict(counts)
    _run_finish(run, integration, counts, problems)
    _issues_settle(integration, problems)
    return dict(counts)


def _issue(integration: Integration, cause: Cause, detail: str, affected: int | None = None
           ) -> None:
    issues_report(integration_id=integration.pk, client_id=integration.client_id,
                  seen={cause: 1}, details={cause: redact(detail)},
                  affected={cause: affected} if affected is not None else None)


def _issues_settle(integration: Integration, problems: list[str]) -> None:
    """A run that got answers: the credentials work; lists that failed are an issue, and
    the run's success resolves it."""
    credentials_work(integration=integration)
    failed = Cause(IssueKind.FETCH_FAILED)
    if problems:
        _issue(integration, failed, "; ".join(problems))
    else:
        issues_resolve(integration_id=integration.pk, causes=[failed])


def _steps(integration: Integration, adapter: Adapter) -> list[tuple[str, Any]]:
    platform, caps = integration.platform, adapter.capabilities
    steps: list[tuple[str, Any]] = []
    if platform.has_staff and caps.list_staff:
        steps.append(("staff", lambda c: _staff_fetch(integration, adapter, c)))
    if platform.has_lead_sources and caps.list_lead_sources:
        steps.append(("lead sources", lambda c: _lead_sources_fetch(integration, adapter, c)))
    for kind in ("prospect", "member"):
        if integration.sends and integration.includes(kind) and _can_fetch(adapter, kind):
            steps.append((f"{kind}s", lambda c, k=kind: _records_fetch(integration, adapter, k, c)))
    return steps


def _retrying(call: Callable[[], Any]) -> Any:
    """`call()`, tried again after a temporary failure (5xx, 429, timeout, connection) a few
    times within the run, with a little jitter; Retry-After is honoured up to 10 s."""
    delays = conf.fetch_retry_delays()
    for attempt in range(len(delays) + 1):
        try:
            return call()
        except AdapterError as error:
            if error.permanent or attempt == len(delays):
                raise
            wait = delays[attempt] * _rng.uniform(1.0, 1.5)
            if error.retry_after:
                wait = max(wait, min(error.retry_after, 10.0))
            time.sleep(wait)
    raise AssertionError("unreachable")


def _run_finish(run: SyncRun, integration: Integration, counts: Counter[str],
                problems: list[str]) -> None:
    now = timezone.now()
    invalid = any(key.endswith("_invalid") for key in counts)
    status = SyncRun.Status.SUCCEEDED
    if problems or invalid:
        status = SyncRun.Status.PARTIAL
    if problems and not any(k for k in counts if not k.endswith(("_failed", "_invalid"))):
        status = SyncRun.Status.FAILED
    SyncRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=now, counts=dict(counts), error="; ".join(problems)[:2000]
    )
    done = {"last_fetch_at": now} | ({} if problems else {"last_success_at": now})
    Integration.objects.filter(pk=integration.pk).update(**done)
    if problems:
        when = fetch_retry_soon(integration=integration)
        log_write(
            client_id=integration.client_id,
            integration_id=integration.pk,
            level=LogEntry.Level.ERROR,
            summary=f"Fetching from {integration.platform.name} was incomplete: "
            f"{'; '.join(problems)}"[:300],
            detail="The rest was fetched. The Connector fetches again in about "
            f"{max(round((when - now).total_seconds() / 60), 1)} minute(s) (each call was "
            f"already tried {len(conf.fetch_retry_delays()) + 1} times).",
        )


def fetch_retry_soon(*, integration: Integration) -> Any:
    """A one-off fetch soon (not at the next interval); returns when it runs."""
    when = timezone.now() + timedelta(seconds=conf.fetch_retry_soon_seconds())
    Schedule.objects.update_or_create(
        name=f"{RETRY_PREFIX}{integration.pk}",
        defaults={"func": FETCH_TASK, "args": repr((integration.pk,)),
                  "schedule_type": Schedule.ONCE, "next_run": when, "repeats": -1},
    )
    return when


def _can_fetch(adapter: Adapter, kind: str) -> bool:
    caps = adapter.capabilities
    return caps.fetch_changes and (caps.prospects if kind == "prospect" else caps.members)


def _staff_fetch(integration: Integration, adapter: Adapter, counts: Counter[str]) -> None:
    listed = [_staff_dict(record) for record in _retrying(adapter.list_staff)]
    staff = _roster_taken(integration, "staff", listed, STAFF_FIELDS, counts)
    staff_roster_replace(integration=integration, staff=staff)
    counts["staff"] = len(staff)


def _lead_sources_fetch(integration: Integration, adapter: Adapter,
                        counts: Counter[str]) -> None:
    listed = [
        {"external_id": s.id, "name": s.name, "active": s.active}
        for s in _retrying(adapter.list_lead_sources)
    ]
    sources = _roster_taken(integration, "lead_sources", listed, LEAD_SOURCE_FIELDS, counts)
    lead_source_roster_replace(integration=integration, lead_sources=sources)
    counts["lead_sources"] = len(sources)


def _roster_taken(integration: Integration, key: str, listed: list[dict],
                  fields: dict, counts: Counter[str]) -> list[dict]:
    """The entries the partner API would take (roster_entry); the others are counted and
    logged, and left out."""
    taken, refused = [], []
    for index, item in enumerate(listed):
        entry, problems = roster_entry(item, f"{key}[{index}].", fields)
        if entry is not None and not problems:
            taken.append(entry)
        else:
            refused.append(f"{item.get('external_id')!r} ({_errors_words(problems)})")
    if refused:
        counts[f"{key}_invalid"] = len(refused)
        log_write(
            client_id=integration.client_id, integration_id=integration.pk,
            level=LogEntry.Level.ERROR,
            summary=f"{len(refused)} of the {key.replace('_', ' ')} fetched from "
            f"{integration.platform.name} could not be taken: {', '.join(refused[:10])}"[:300],
            detail="Correct them in the platform; they are taken at the next fetch.",
        )
    return taken


def _staff_dict(record: Any) -> dict:
    data = asdict(record)
    data["external_id"] = data.pop("id")
    return data


def _records_fetch(integration: Integration, adapter: Adapter, kind: str,
                   counts: Counter[str]) -> None:
    """Every page changed since the cursor, each page's call tried again on a temporary
    failure; the cursor moves only when the whole list was read, and never past an invalid
    record (fetched again, until it is valid or `fetch_invalid_retry_hours` have passed)."""
    state = integration.fetch_cursor or {}
    since = state.get(kind)
    newest = None
    cursor: str | None = None
    invalid: dict[str, tuple[RemoteRecord, list]] = {}
    for _ in range(MAX_PAGES):
        page: ChangesPage = _retrying(functools.partial(adapter.list_changed, kind, since=since,
                                                        cursor=cursor))
        if page.records:
            bodies = _valid_bodies(kind, page.records, counts, invalid)
            results = records_ingest(integration=integration, kind=kind, records=bodies)
            counts.update(f"{kind}s_{_status(result)}" for result in results)
            fetched_tally(kind=kind, statuses=[  # connector_ingest_records_total
                *(_status(result) for result in results),
                *["error"] * (len(page.records) - len(bodies))])
            stamps = [r.updated_at for r in page.records if r.updated_at is not None]
            newest = max([newest, *stamps] if newest else stamps, default=None)
        cursor = page.next_cursor
        if not cursor:
            break
    _cursor_store(integration, kind, since=since, newest=newest, invalid=invalid)


def _cursor_store(integration: Integration, kind: str, *, since: str | None,
                  newest: Any, invalid: dict[str, tuple[RemoteRecord, list]]) -> None:
    state = dict(integration.fetch_cursor or {})
    now = timezone.now()
    seen_before = state.get(f"{kind}_invalid") or {}
    tracked = {ext: seen_before.get(ext, now.isoformat()) for ext in invalid}
    cutoff = now - timedelta(hours=conf.fetch_invalid_retry_hours())
    held = [record.updated_at for ext, (record, _) in invalid.items()
            if record.updated_at is not None
            and datetime.fromisoformat(tracked[ext]) > cutoff]
    if held and newest is not None:
        # Records changed at exactly the cursor are listed again: the invalid one, and
        # everything after it (found unchanged by ingest).
        newest = min([newest, *held])
    new_state = {**state, f"{kind}_invalid": tracked} if tracked else \
        {k: v for k, v in state.items() if k != f"{kind}_invalid"}
    if newest is not None and newest.isoformat() != since:
        # Records changed at exactly `newest` are listed again next time: ingest finds them
        # unchanged, and nothing changed in the same microsecond is ever skipped.
        new_state[kind] = newest.isoformat()
    cause = Cause(IssueKind.FETCH_INVALID, kind)
    if invalid:
        _invalid_log(integration, kind, invalid, tracked, cutoff)
        listed = ", ".join(f"{ext} ({_errors_words(errors)})"
                           for ext, (_, errors) in list(invalid.items())[:10])
        _issue(integration, cause, listed, affected=len(invalid))
    else:
        issues_resolve(integration_id=integration.pk, causes=[cause])
    if new_state != state:
        integration.fetch_cursor = new_state
        Integration.objects.filter(pk=integration.pk).update(fetch_cursor=new_state)


def _invalid_log(integration: Integration, kind: str,
                 invalid: dict[str, tuple[RemoteRecord, list]], tracked: dict[str, str],
                 cutoff: Any) -> None:
    platform = integration.platform.name
    listed = ", ".join(f"{ext} ({_errors_words(errors)})"
                       for ext, (_, errors) in list(invalid.items())[:20])
    expired = [ext for ext in invalid if datetime.fromisoformat(tracked[ext]) <= cutoff]
    what = f"A {kind}" if len(invalid) == 1 else f"{len(invalid)} {kind}s"
    retry = (f"The Connector fetches {'it' if len(invalid) == 1 else 'them'} again at each "
             f"fetch for {conf.fetch_invalid_retry_hours():g} hours; correct "
             f"{'it' if len(invalid) == 1 else 'them'} in {platform} (any change there sends "
             "it again).")
    if expired:
        retry += f" Not fetched again after {conf.fetch_invalid_retry_hours():g} hours: " \
                 + ", ".join(expired[:20]) + "."
    log_write(
        client_id=integration.client_id,
        integration_id=integration.pk,
        level=LogEntry.Level.ERROR,
        summary=f"{what} fetched from {platform} could not be taken: {listed}"[:300],
        detail=retry,
    )


def _errors_words(errors: list[Any]) -> str:
    """`email: Enter a valid email address.; phone: ...` from record_normalize's errors."""
    return "; ".join(f"{e.get('field', '')}: {e.get('message', '')}" for e in errors)[:200]


def _valid_bodies(kind: str, records: list[RemoteRecord], counts: Counter[str],
                  invalid: dict[str, tuple[RemoteRecord, list]]) -> list[dict]:
    """Records as the partner API would take them; invalid ones are counted and kept aside
    (logged, and fetched again: `_cursor_store`)."""
    bodies = []
    for record in records:
        body, errors = record_normalize(kind=kind, data=_record_body(record),
                                        external_id=record.id)
        if errors:
            counts[f"{kind}s_invalid"] += 1
            invalid[record.id] = (record, errors)
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
RETRY_PREFIX = "fetch-retry-"


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
