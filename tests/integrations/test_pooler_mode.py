"""Which connection pooler mode each process needs (docs/operations.md, "Connection poolers").

Workers hold session-level advisory locks across many transactions (integrations/db/locks.py):
they need a session of their own, PostgreSQL directly or a session-mode pooler. The web
processes keep no state in the session between transactions, so they may go through PgBouncer
in transaction mode. Both halves are asserted here, on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from integrations.db.locks import integration_lock
from integrations.models import Integration, Prospect
from integrations.services.launch import api_key_issue
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory, UserFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="advisory locks and poolers are PostgreSQL's")

# What would not survive a transaction-mode pooler: state a later transaction of the same
# client might not find on its next server connection.
SESSION_STATE = re.compile(
    r"advisory|^\s*(SET|RESET)\s+(?!LOCAL\b)|^\s*(LISTEN|PREPARE|DECLARE)\b|TEMP(ORARY)?\s+TABLE",
    re.IGNORECASE,
)


class Statements:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


@pytest.mark.django_db
def test_web_requests_keep_nothing_in_the_database_session(client, settings, monkeypatch):
    monkeypatch.setattr("mappings.services.rosters.rematch_queue", lambda **kw: None)
    settings.CONNECTOR_METRICS_TOKEN = "t" * 20
    club = ClientFactory()
    sender = IntegrationFactory(client=club, platform=PlatformFactory(slug="gymapp"))
    receiver = IntegrationFactory(client=club, platform=PlatformFactory(slug="crm"),
                                  direction="receive", is_primary=True)
    partner, reader = APIClient(), APIClient()
    for api, integration in ((partner, sender), (reader, receiver)):
        key = api_key_issue(platform=integration.platform)[1]
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    base = f"/api/v1/clients/{club.pk}"
    admin = UserFactory(is_staff=True, is_superuser=True)
    statements = Statements()

    with connection.execute_wrapper(statements):
        assert partner.put(f"{base}/prospects/P1", {"first_name": "Ana", "last_name": "Lopez"},
                           format="json").status_code == 201
        assert partner.post(f"{base}/prospects/batch",
                            {"records": [{"external_id": "P2", "email": "b@example.com"}]},
                            format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 200
        staff = [{"external_id": "S1", "first_name": "Sam", "last_name": "Ortiz"}]
        assert partner.put(f"{base}/staff", {"staff": staff}, format="json").status_code == 200
        assert reader.get(f"{base}/changes").status_code == 200
        connector_id = str(Prospect.objects.values_list("id", flat=True).first())
        assert reader.post(f"{base}/links", {"type": "prospect", "connector_id": connector_id,
                                             "external_id": "CRM-1"},
                           format="json").status_code == 200
        assert reader.put(f"{base}/webhook", {"url": "https://hooks.example/connector"},
                          format="json").status_code in (200, 201)
        client.force_login(admin)
        assert client.get("/admin/integrations/outboxrow/").status_code == 200
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "t" * 20).status_code == 200

    assert len(statements.sql) > 30
    assert [sql for sql in statements.sql if SESSION_STATE.search(sql)] == []


def _other_session(action) -> dict:
    out: dict = {}

    def run():
        try:
            out["result"] = action()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return out


def _try_shared(integration_id: int) -> bool:
    with integration_lock(integration_id=integration_id, exclusive=False, wait_seconds=0) as held:
        return held


@pytest.mark.django_db(transaction=True)
def test_a_workers_lock_outlives_its_transactions_so_it_needs_a_session():
    integration = IntegrationFactory()
    statements = Statements()
    with connection.execute_wrapper(statements), integration_lock(
            integration_id=integration.pk, exclusive=True, wait_seconds=0) as held:
        assert held
        for name in ("first", "second"):  # the holder commits as a delivery pass does
            with transaction.atomic():
                Integration.objects.filter(pk=integration.pk).update(fetch_cursor={"n": name})
        assert _other_session(lambda: _try_shared(integration.pk)) == {"result": False}
    assert _other_session(lambda: _try_shared(integration.pk)) == {"result": True}
    assert any(SESSION_STATE.search(sql) for sql in statements.sql)


@pytest.mark.django_db(transaction=True)
def test_a_lock_released_from_another_server_session_is_logged(caplog):
    """What a transaction-mode pooler does to a worker: the unlock runs on another server
    connection than the lock (here: the connection is replaced while the lock is held)."""
    integration = IntegrationFactory()
    with integration_lock(integration_id=integration.pk, exclusive=True, wait_seconds=0):
        connection.close()

    assert "not this session's to release" in caplog.text
    assert "Connection poolers" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_delivery_loop_keeps_its_session_and_lock_through_a_turn(caplog):
    """A worker's connection past CONN_MAX_AGE is not recycled mid-turn: closing it would
    drop the loop's lock with the session (another loop could start meanwhile) and log the
    pooler error (seen in benchmarks/load_sustained.py about once a minute)."""
    from integrations.tasks import LOOP_LOCK_ID, delivery_loop_task

    def old_connection_loop() -> dict:
        connection.ensure_connection()
        connection.close_at = 0.0  # older than CONN_MAX_AGE: recycled at the first chance
        return delivery_loop_task(seconds=1.0)

    turn: dict = {}
    loop = threading.Thread(target=lambda: turn.update(_other_session(old_connection_loop)))
    loop.start()
    time.sleep(0.6)
    taken_meanwhile = _other_session(lambda: _try_shared(LOOP_LOCK_ID))
    loop.join(10)

    assert taken_meanwhile == {"result": False}
    assert "already_running" not in turn["result"]
    assert "not this session's to release" not in caplog.text
