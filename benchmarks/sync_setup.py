"""Shared set-up of the sync benchmarks: a PostgreSQL database, a club, a sandbox InTouch.

Not a benchmark itself: sync_throughput.py and sync_latency.py import it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench_sync")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_portal.settings")
os.environ.setdefault("CONNECTOR_DISABLE_AXES", "1")
os.environ["CONNECTOR_ALLOW_LOOPBACK_URLS"] = "1"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from fresh_db import database_fresh  # noqa: E402

from integrations.models import (  # noqa: E402
    Client,
    Integration,
    Platform,
)

SANDBOX_TOKEN = "bench-token"
CLIENT_ID = "bench-sync"


def database_prepare() -> None:
    """A new benchmark database, migrated (fresh_db.py)."""
    database_fresh(os.environ["DATABASE_URL"])


def club(sandbox_url: str) -> tuple[Integration, Integration]:
    """(partner that sends prospects, InTouch in `api` mode at the sandbox)."""
    client, _ = Client.objects.get_or_create(pk=CLIENT_ID, defaults={"name": "Bench Sync"})
    intouch = Platform.objects.get(slug="intouch")
    partner, _ = Platform.objects.get_or_create(slug="bench-partner",
                                                defaults={"name": "Bench Partner"})
    destination, _ = Integration.objects.update_or_create(
        client=client, platform=intouch,
        defaults={"direction": "receive", "data": "prospects", "mode": "api",
                  "base_url": sandbox_url, "credentials": SANDBOX_TOKEN, "is_primary": True,
                  "staff_owner": False, "lead_source": False, "enabled": True},
    )
    source, _ = Integration.objects.update_or_create(
        client=client, platform=partner,
        defaults={"direction": "send", "data": "prospects", "mode": "push", "enabled": True},
    )
    return source, destination


def sandbox_start(port: int) -> subprocess.Popen:
    """The sandbox platform as its own process (its own CPU, like a real platform)."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_sandbox_platform", "--port", str(port),
         "--token", SANDBOX_TOKEN, "--verbosity", "0"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import requests

    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/ping", timeout=1,
                         headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"})
            return process
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the sandbox platform did not start")
