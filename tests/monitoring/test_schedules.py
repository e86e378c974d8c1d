"""`migrate` makes the sync engine's schedules; `check` and the health endpoint miss them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from integrations.sync.schedules import PERIODIC
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db
NAMES = {name for name, _, _ in PERIODIC}


def engine_schedules() -> set[str]:
    return set(Schedule.objects.filter(name__in=NAMES).values_list("name", flat=True))


def test_migrate_creates_the_schedules_and_a_fetch_per_api_integration():
    Schedule.objects.all().delete()
    api = IntegrationFactory(mode="api", base_url="https://crm.example", credentials="t")

    call_command("migrate", verbosity=0)

    assert engine_schedules() == NAMES
    assert Schedule.objects.filter(name=f"fetch-integration-{api.pk}").exists()


def test_migrate_again_updates_them_by_name():
    Schedule.objects.filter(name="outbox-sweep").update(minutes=30, func="old.path")

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    sweep = Schedule.objects.get(name="outbox-sweep")
    assert (sweep.minutes, sweep.func) == (1, "integrations.tasks.outbox_sweep_task")
    assert Schedule.objects.filter(name__in=NAMES).count() == len(NAMES)


def test_setup_schedules_does_the_same():
    Schedule.objects.all().delete()
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    assert engine_schedules() == NAMES
    assert "Schedules ready" in out.getvalue()


def check_output(*args: str) -> str:
    err = StringIO()
    call_command("check", *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_check_warns_when_schedules_are_missing():
    Schedule.objects.filter(name__in=["delivery-loop", "outbox-sweep"]).delete()

    output = check_output("--database", "default")

    assert "connector.W001" in output
    assert "delivery-loop, outbox-sweep" in output or "outbox-sweep, delivery-loop" in output
    assert "migrate" in output


def test_check_is_quiet_once_they_exist():
    call_command("setup_schedules", stdout=StringIO())
    assert "connector.W001" not in check_output("--database", "default")


def test_commands_that_need_no_database_do_not_ask_it():
    Schedule.objects.all().delete()
    assert "connector.W001" not in check_output()  # a database check, as Django has them
