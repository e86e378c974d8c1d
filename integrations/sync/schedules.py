"""The sync engine's django-q2 schedules, created idempotently by name."""

from __future__ import annotations

from django_q.models import Schedule

from integrations.models import Integration
from integrations.models.choices import Mode

FETCH_PREFIX = "fetch-integration-"
SWEEP = ("outbox-sweep", "integrations.tasks.outbox_sweep_task", 1)
FETCH_SCHEDULES = ("fetch-schedules-sync", "integrations.tasks.fetch_schedules_task", 5)
DELIVERY_LOOP = ("delivery-loop", "integrations.tasks.delivery_loop_task", 1)
IDEMPOTENCY_PURGE = ("idempotency-purge", "integrations.tasks.idempotency_purge_task", 60)
HISTORY_PRUNE = ("history-prune", "integrations.tasks.history_prune_task", 60)
ISSUES_NOTIFY = ("issues-notify", "integrations.tasks.issues_notify_task", 5)
ISSUES_DIGEST = ("issues-digest", "integrations.tasks.issues_digest_task", 24 * 60)
PERIODIC = (SWEEP, FETCH_SCHEDULES, DELIVERY_LOOP, IDEMPOTENCY_PURGE, HISTORY_PRUNE,
            ISSUES_NOTIFY, ISSUES_DIGEST)


def schedules_ensure() -> list[str]:
    """Create or update the engine's periodic tasks; returns their names."""
    for name, func, minutes in PERIODIC:
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes,
                      "repeats": -1},
        )
    fetch_schedules_sync()
    return [name for name, _, _ in PERIODIC]


def fetch_schedules_sync() -> int:
    """One schedule per enabled `api` integration at its fetch interval; others removed."""
    wanted = {
        f"{FETCH_PREFIX}{integration.pk}": integration
        for integration in Integration.objects.filter(mode=Mode.API, enabled=True)
    }
    for name, integration in wanted.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": "integrations.tasks.fetch_integration_task",
                "args": repr((integration.pk,)),
                "schedule_type": Schedule.MINUTES,
                "minutes": max(integration.fetch_interval_minutes, 1),
                "repeats": -1,
            },
        )
    Schedule.objects.filter(name__startswith=FETCH_PREFIX).exclude(name__in=wanted).delete()
    return len(wanted)
