"""Launching an integration without duplicates (product.md §3a; models/launches.py).

    launch_preview_start(*, integration, acting_user) -> Launch
    launch_switch_on(*, launch, start_from_now, acting_user) -> Launch
    launch_cancel(*, launch, acting_user) -> Launch

A preview turns the integration on for what it *sends* only: an `api` platform's whole
history is fetched (its cursor starts over), a partner pushes its records as usual; each
record is matched against the people the client already has (linked, to review, new) and
stored, but its deliveries are held and the integration receives nothing. Switching on
delivers the records that are truly new (none *from now*), leaves the ones linked to people
the other platforms hold as they are, keeps records still under review held until decided
(where the sender's option holds reviews), and from then on the integration sends and
receives as any other.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from integrations.models import (
    Change,
    Integration,
    Launch,
    LogEntry,
    Member,
    OutboxRow,
    Prospect,
)
from integrations.models.choices import Mode
from integrations.models.logs import audit_record, log_write
from integrations.models.matching import DuplicateStatus, PossibleDuplicate
from integrations.models.sync import OutboxStatus
from integrations.sync.delivery.release import held_rows_release
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.inbound.write import LAUNCH_HOLD, REVIEW_HOLD

FETCH_TASK = "integrations.tasks.fetch_integration_task"


def launch_preview_start(*, integration: Integration, acting_user: Any) -> Launch:
    """Start previewing `integration`; raises ValidationError when one is running already."""
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        if Launch.objects.filter(integration=locked, status=Launch.Status.PREVIEW).exists():
            raise ValidationError("A launch preview of this integration is running already.")
        launch = Launch.objects.create(integration=locked, started_by=_user(acting_user))
        locked.launching, locked.enabled = True, True
        fields = ["launching", "enabled", "updated_at"]
        if locked.mode == Mode.API:
            locked.fetch_cursor = {}  # the platform's whole history is listed
            fields.append("fetch_cursor")
        locked.save(update_fields=fields)
        audit_record(actor=acting_user, action="launch.preview", target=locked,
                     client=locked.client_id)
        if locked.mode == Mode.API:
            transaction.on_commit(lambda: async_task(
                FETCH_TASK, locked.pk, task_name=f"launch-fetch-{locked.pk}"))
    return launch


def launch_switch_on(*, launch: Launch, start_from_now: bool, acting_user: Any) -> Launch:
    """Switch the integration on: the truly new records it held are delivered (none when
    `start_from_now`); raises ValidationError unless the launch is in preview."""
    with transaction.atomic():
        launch = _previewing(launch)
        rows = _held_rows(launch.integration_id)
        waiting = _review_held(rows)
        new = set() if start_from_now else _created_here(launch.integration_id, rows)
        going = [r for r in rows if r.record_id in new and r.record_id not in waiting]
        kept = [r for r in rows if r.record_id in waiting and r.record_id in new]
        dropped = [r for r in rows if r not in going and r not in kept]
        OutboxRow.objects.filter(pk__in=[r.pk for r in kept]).update(hold_reason=REVIEW_HOLD)
        OutboxRow.objects.filter(pk__in=[r.pk for r in dropped]).update(
            status=OutboxStatus.DISCARDED, hold_reason="",
            last_error="Not sent: the launch linked this record to a person the platforms "
            "already hold, or started from now.",
        )
        woken = held_rows_release(rows=going)
        launch.start_from_now, launch.delivered, launch.discarded = (
            start_from_now, len(going), len(dropped))
        _finish(launch, Launch.Status.SWITCHED_ON, acting_user, launching=False)
        log_write(
            client_id=launch.integration.client_id, integration_id=launch.integration_id,
            level=LogEntry.Level.INFO,
            summary=f"{launch.integration.platform.name} was switched on: {launch.linked} "
            f"records linked to people the client had, {len(going)} deliveries of new records "
            f"sent, {len(kept)} waiting for a review"
            + (", from now (nothing of its history sent)" if start_from_now else "") + ".",
        )
    deliveries_kick(integration_ids=set(woken))
    return launch


def launch_cancel(*, launch: Launch, acting_user: Any) -> Launch:
    """Stop the preview: nothing it held is sent, the integration is paused again (the
    records it sent stay stored, linked as matching decided)."""
    with transaction.atomic():
        launch = _previewing(launch)
        rows = _held_rows(launch.integration_id)
        OutboxRow.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=OutboxStatus.DISCARDED, hold_reason="", last_error="The launch was cancelled.")
        launch.discarded = len(rows)
        _finish(launch, Launch.Status.CANCELLED, acting_user, launching=False, enabled=False)
    return launch


def _previewing(launch: Launch) -> Launch:
    locked = Launch.objects.select_for_update().select_related("integration__platform") \
        .filter(pk=launch.pk).first()
    if locked is None or locked.status != Launch.Status.PREVIEW:
        raise ValidationError("This launch is not in preview any more.")
    Integration.objects.select_for_update().filter(pk=locked.integration_id).first()
    return locked


def _held_rows(integration_id: int) -> list[OutboxRow]:
    """The deliveries the preview held: of changes this integration sent."""
    return list(
        OutboxRow.objects.select_for_update()
        .filter(status=OutboxStatus.HELD, hold_reason=LAUNCH_HOLD,
                change__source_integration_id=integration_id)
        .order_by("pk")
    )


def _created_here(integration_id: int, rows: list[OutboxRow]) -> set[Any]:
    """Of the rows' records, those this integration created: the truly new people (a merged
    one's rows were discarded by the merge already)."""
    record_ids = {r.record_id for r in rows}
    if not record_ids:
        return set()
    return set(
        Change.objects.filter(
            record_id__in=record_ids, source_integration_id=integration_id,
            event_type__in=["prospect.created", "member.created"],
        ).values_list("record_id", flat=True)
    )


def _review_held(rows: list[OutboxRow]) -> set[Any]:
    """Records still under a review that holds their deliveries until decided."""
    return set(
        PossibleDuplicate.objects.filter(
            record_id__in={r.record_id for r in rows}, status=DuplicateStatus.NEEDS_REVIEW,
            held=True,
        ).values_list("record_id", flat=True)
    )


def _finish(launch: Launch, status: str, actor: Any, **integration: bool) -> None:
    launch.status, launch.finished_by, launch.finished_at = status, _user(actor), timezone.now()
    launch.save()
    Integration.objects.filter(pk=launch.integration_id).update(
        updated_at=timezone.now(), **integration)
    audit_record(actor=actor, action=f"launch.{status}", target=launch.integration,
                 client=launch.integration.client_id,
                 new={"delivered": launch.delivered, "discarded": launch.discarded})


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def launch_side_counts(launch: Launch) -> dict[str, int]:
    """The other side: how many people the client had before the launch, and how many of
    them the platform did not send (they stay where they are: nothing is backfilled into it)."""
    live = Q(client_id=launch.integration.client_id, erased_at__isnull=True,
             merged_into__isnull=True)
    people = Prospect.objects.filter(live).count() + Member.objects.filter(live).count()
    before = max(people - launch.new - launch.review, 0)
    return {"before": before, "linked": launch.linked,
            "not_there": max(before - launch.linked, 0)}
