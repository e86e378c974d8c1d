"""Shared set-up of the partner API benchmarks: a PostgreSQL database, a club, gunicorn.

Not a benchmark itself: api_ingest.py, api_feed.py and api_put_latency.py import it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench_api")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_portal.settings")
os.environ.setdefault("CONNECTOR_DISABLE_AXES", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from fresh_db import database_fresh  # noqa: E402

from integrations.models import (  # noqa: E402
    Client,
    Integration,
    Platform,
)
from integrations.services.launch import api_key_issue  # noqa: E402

CLIENT_ID = "bench-api"


def database_prepare() -> None:
    """A new benchmark database, migrated (fresh_db.py)."""
    database_fresh(os.environ["DATABASE_URL"])


def club() -> tuple[Integration, list[Integration], str, list[str]]:
    """(sender, [2 receivers], sender's API key, receivers' API keys)."""
    client, _ = Client.objects.get_or_create(pk=CLIENT_ID, defaults={"name": "Bench API"})

    def integration(slug: str, direction: str) -> Integration:
        platform, _ = Platform.objects.get_or_create(
            slug=f"bench-api-{slug}", defaults={"name": f"Bench {slug}"}
        )
        found, _ = Integration.objects.update_or_create(
            client=client,
            platform=platform,
            defaults={"direction": direction, "data": "prospects", "mode": "push"},
        )
        return found

    sender = integration("sender", "send")
    receivers = [integration("crm", "receive"), integration("mailer", "receive")]
    keys = [api_key_issue(platform=r.platform)[1] for r in receivers]
    return sender, receivers, api_key_issue(platform=sender.platform)[1], keys


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(*, workers: int = 2, threads: int = 1) -> tuple[subprocess.Popen, str]:
    """The project under gunicorn, production settings, on a free port; (process, base URL)."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + Fernet.generate_key().decode(),
        "CONNECTOR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CONNECTOR_API_RATE": "100000000/min",
        "CONNECTOR_SSL_REDIRECT": "0",  # plain HTTP on loopback (production redirects to https)
    }
    command = [
        sys.executable, "-m", "gunicorn", "connector_portal.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--log-level", "warning", "--backlog", "2048",
    ]  # fmt: skip
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    (ROOT / "var").mkdir(exist_ok=True)  # git-ignored: absent from a fresh clone
    log = open(ROOT / "var" / "bench_api_gunicorn.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(f"{base}/api/v1/clients/", timeout=5)
            return process, base
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def gunicorn_stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]
