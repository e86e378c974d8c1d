"""A chunked request body through a real server (gunicorn joins the chunks; no Content-Length):
over the size limit it is a 413, within it the batch is read.

PostgreSQL only: gunicorn's workers must see the test's committed data, which an in-memory
SQLite test database cannot share (tests/api/test_bad_input.py sends the same bodies through
the test client on both databases).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import requests
from django.conf import settings
from django.db import connection

from integrations.models import Prospect
from integrations.services.launch import api_key_issue
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory
from tests.processes import gunicorn_serving

ANA = {"first_name": "Ana", "last_name": "Lopez", "email": "ana@example.com"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="gunicorn cannot share a SQLite test database"
    ),
]


@pytest.fixture
def gunicorn_url() -> Iterator[str]:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    with gunicorn_serving(env, "--workers", "1") as url:
        yield url


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _batch(count: int, notes: int) -> bytes:
    records = [{**ANA, "external_id": f"C{i}", "notes": "x" * notes} for i in range(count)]
    return json.dumps({"records": records}).encode()


def test_a_chunked_batch_is_413_over_the_limit_and_read_within_it(gunicorn_url):
    club = ClientFactory(id="club-a")
    sender = IntegrationFactory(client=club, platform=PlatformFactory(slug="gymapp"))
    IntegrationFactory(client=club, direction="receive", is_primary=True)
    headers = {
        "Authorization": f"Bearer {api_key_issue(platform=sender.platform)[1]}",
        "Content-Type": "application/json",
    }
    url = f"{gunicorn_url}/api/v1/clients/club-a/prospects/batch"
    big = _batch(3000, 2000)
    assert len(big) > 6 * 2**20
    # A generator body: requests sends it with Transfer-Encoding: chunked.
    response = requests.post(url, data=_chunks(big), headers=headers, timeout=30)
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"
    response = requests.post(url, data=_chunks(_batch(3, 10), 50), headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["created"] * 3
    assert Prospect.objects.count() == 3
