"""psycopg's connection pool (CONNECTOR_DB_POOL) against the real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# Eight threads, each as a request would: take a connection, query, hand it back.
PROBE = """
import json, threading, django
django.setup()
from django.db import connection, connections
from integrations.models import Platform

answers = []
def request():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.05)")
        pid = cursor.fetchone()[0]
    answers.append((pid, Platform.objects.filter(slug="intouch").exists()))
    connections.close_all()  # what Django does at the end of each request

threads = [threading.Thread(target=request) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps({"answers": answers, "stats": connection.pool.get_stats()}))
"""


def test_eight_threads_share_the_pools_two_connections(django_db_setup):
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the pool is PostgreSQL's (psycopg)")
    url = (f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
           f"{db['NAME']}")
    env = {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": url, "CONNECTOR_DB_POOL": "2"}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(result.stdout.strip().splitlines()[-1])

    assert len(found["answers"]) == 8 and all(exists for _, exists in found["answers"])
    assert len({pid for pid, _ in found["answers"]}) <= 2
    assert found["stats"]["pool_max"] == 2
