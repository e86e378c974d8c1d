"""`make run` (scripts/run.sh) stops within 10 seconds, whichever way it is told to.

The script runs as it does for a newcomer (migrate, seed, worker, demo platforms, portal) on
spare ports with its own database, in a session of its own: the processes it started, in
whatever process group, are the session's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.processes import free_port, processes, wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_stops_every_process_within_10_seconds(tmp_path, signum):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith("PYTEST")}
    env.update(PORT=str(port), CONNECTOR_VAR_DIR=str(tmp_path),
               CONNECTOR_DEMO_INTOUCH_PORT=str(free_port()),
               CONNECTOR_DEMO_PARTNER_PORT=str(free_port()), PYTHONUNBUFFERED="1")
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - read after the run
    run = subprocess.Popen(["scripts/run.sh"], cwd=ROOT, env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def serves() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).ok
            except requests.RequestException:
                return False

        wait_until(serves, 120, "the portal should serve")
        # The worker's longest ordinary task is a delivery-loop turn: have one running.
        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        "from integrations.sync.delivery.wake import delivery_loop_enqueue; "
                        "delivery_loop_enqueue()"],
                       cwd=ROOT, env={**env, "DJANGO_DEBUG": "1"}, check=True, timeout=60)
        wait_until(lambda: b"processing delivery-loop" in (tmp_path / "run.log").read_bytes(),
                 30, "the delivery loop should start")
        started = processes(session=run.pid)
        assert len(started) >= 5  # the script, portal, demo platforms, worker and its children

        os.killpg(run.pid, signum)
        stopping = time.monotonic()
        wait_until(lambda: not processes(session=run.pid), 10, "every process should stop")
        took = time.monotonic() - stopping
    finally:
        for pid in processes(session=run.pid):
            os.kill(pid, signal.SIGKILL)
        run.wait(5)
        log.close()
    assert took < 10
    assert b"has stopped" in (tmp_path / "run.log").read_bytes()  # the cluster stopped cleanly
