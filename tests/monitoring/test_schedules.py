"""`migrate` makes the sync engine's schedules; `check` and the health endpoint miss them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from integrations.sync.schedules import PERIODIC
from tests.factories import IntegrationFactory

ROOT = Path(__file__).resolve().parents[2]

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


def test_starting_workers_asks_the_database_whatever_the_tags(settings):
    Schedule.objects.filter(name="outbox-sweep").delete()
    settings.QCLUSTER = True  # the process is `manage.py qcluster`

    output = check_output()

    assert "connector.W001" in output and "outbox-sweep" in output
    assert output.count("connector.W001") == 1  # once, not again with --database
    assert check_output("--database", "default").count("connector.W001") == 1


def test_starting_workers_is_quiet_once_they_exist(settings):
    call_command("setup_schedules", stdout=StringIO())
    settings.QCLUSTER = True
    assert "connector.W001" not in check_output()


@pytest.mark.slow
def test_qcluster_prints_the_warning_when_it_starts(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith("PYTEST")}
    env.update(DJANGO_DEBUG="1", CONNECTOR_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    subprocess.run([*manage, "shell", "-c", "from django_q.models import Schedule; "
                    "Schedule.objects.filter(name='delivery-loop').delete()"],
                   cwd=ROOT, env=env, check=True, timeout=60, stdout=subprocess.DEVNULL)
    log = tmp_path / "qcluster.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen([*manage, "qcluster"], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while b"running." not in log.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.kill(worker.pid, signal.SIGTERM)  # the main process alone: a clean stop
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)
    text = log.read_text()
    assert "running." in text, text
    warned = text.index("(connector.W001) The sync engine's schedules are missing: delivery-loop")
    assert warned < text.index("starting.")  # above the cluster's first lines
