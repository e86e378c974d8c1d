"""Counters of the web process add up across gunicorn's workers (multiprocess mode)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import gunicorn_serving

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-0123456789"
pytestmark = pytest.mark.slow


def unauthorized_answers(base: str) -> float:
    answer = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=10)
    assert answer.status_code == 200
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "connector_api_responses_total" and sample.labels == {
                    "status": "401"}:
                return sample.value
    return 0.0


def test_api_answers_are_summed_over_every_worker(tmp_path):
    metrics_dir = tmp_path / "metrics"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DJANGO_DEBUG="1", CONNECTOR_VAR_DIR=str(tmp_path / "var"),
               CONNECTOR_METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
               DJANGO_SETTINGS_MODULE="connector_portal.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=120)
    # Workers replaced every 10 requests: the 30 answers are surely spread over several
    # processes, some gone by the time of the scrape (their counts must still add up).
    with gunicorn_serving(env, "--workers", "2", "--max-requests", "10") as base:
        for _ in range(30):
            assert requests.get(f"{base}/api/v1/clients/", timeout=10).status_code == 401
        scraped = [unauthorized_answers(base) for _ in range(8)]

    assert scraped == [30.0] * 8
    writers = {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("counter_*.db")}
    assert len(writers) >= 3, "the requests should have been answered by several workers"
