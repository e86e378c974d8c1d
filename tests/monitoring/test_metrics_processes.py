"""Counters of the web process add up across gunicorn's workers (multiprocess mode)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import free_port, processes

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-0123456789"
# A replaced worker loads Django before it answers: seconds, more on a busy machine, and a
# request may wait for it when the other worker is being replaced too.
ANSWER_SECONDS = 60
pytestmark = pytest.mark.slow


def unauthorized_answers(base: str) -> float:
    answer = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=ANSWER_SECONDS)
    assert answer.status_code == 200
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "connector_api_responses_total" and sample.labels == {
                    "status": "401"}:
                return sample.value
    return 0.0


def workers_ready(server: subprocess.Popen, base: str, seconds: float = 120) -> None:
    """Until both workers are up and one answers (the master binds the port first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(processes(group=server.pid)) >= 3:
            try:
                requests.get(f"{base}/healthz", timeout=ANSWER_SECONDS)
                return
            except requests.RequestException:
                pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn should serve within {seconds} s")


def test_api_answers_are_summed_over_every_worker(tmp_path):
    metrics_dir = tmp_path / "metrics"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DJANGO_DEBUG="1", CONNECTOR_VAR_DIR=str(tmp_path / "var"),
               CONNECTOR_METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
               DJANGO_SETTINGS_MODULE="connector_portal.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=120)
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed after the run
    server = subprocess.Popen(
        # Workers replaced every 10 requests: the 30 answers are surely spread over several
        # processes, some gone by the time of the scrape (their counts must still add up).
        [sys.executable, "-m", "gunicorn", "connector_portal.wsgi", "--workers", "2",
         "--max-requests", "10", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,  # the suite greps it
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        workers_ready(server, base)
        for _ in range(30):
            answer = requests.get(f"{base}/api/v1/clients/", timeout=ANSWER_SECONDS)
            assert answer.status_code == 401

        scraped = [unauthorized_answers(base) for _ in range(8)]
    finally:
        server.terminate()
        try:
            server.wait(15)
        finally:
            for pid in processes(group=server.pid):
                os.kill(pid, signal.SIGKILL)
            log.close()

    assert scraped == [30.0] * 8
    writers = {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("counter_*.db")}
    assert len(writers) >= 3, "the requests should have been answered by several workers"
