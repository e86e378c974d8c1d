"""The REST adapter against the sandbox platform over real HTTP, faults included."""

from __future__ import annotations

import json
import socket
import time

import pytest

from integrations.adapters.base import AdapterConfig, AdapterError, AuthError
from integrations.adapters.rest import RestAdapter
from tests.processes import wait_until
from tests.transport.conftest import TOKEN


def _adapter(base_url: str, token: str = TOKEN, read: float = 10.0) -> RestAdapter:
    return RestAdapter(AdapterConfig(base_url=base_url, token=token, timeout_read=read))


def test_connection_ok(adapter):
    result = adapter.test_connection()
    assert result.ok and result.message == "Connected"


def test_connection_with_a_wrong_token(sandbox):
    result = _adapter(sandbox.base_url, token="wrong").test_connection()
    assert not result.ok
    assert result.message == "The platform refused the credentials"


def test_connection_when_nobody_listens(loopback_on):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _adapter(f"http://127.0.0.1:{port}").test_connection()
    assert result == result.__class__(
        ok=False, message="Could not reach the platform at 127.0.0.1: connection refused"
    )


def test_connection_to_a_slow_platform(sandbox):
    sandbox.faults.latency_ms = 1500
    result = _adapter(sandbox.base_url, read=0.5).test_connection()
    assert not result.ok
    assert result.message == "The platform did not answer within 0.5 seconds"


def test_connection_to_a_forbidden_address(sandbox, settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False
    result = _adapter(sandbox.base_url).test_connection()
    assert not result.ok
    assert result.message.startswith("The address is not allowed: 127.0.0.1 is a loopback")
    assert sandbox.store.stats == {}


def test_list_staff_follows_every_page(adapter, sandbox):
    staff = adapter.list_staff()
    assert [s.id for s in staff] == ["S1", "S2", "S3", "S4", "S5"]
    assert staff[0].email == "s1@club.example" and staff[0].first_name == "First1"
    assert staff[4].active is False
    assert sandbox.store.stats["GET /staff 200"] == 3  # pages of 2


def test_list_and_create_lead_sources(adapter, sandbox):
    assert [s.name for s in adapter.list_lead_sources()] == ["Walk-in", "Facebook ad"]
    created = adapter.create_lead_source("Google")
    assert created.name == "Google" and created.id
    assert created.id in sandbox.store.lead_sources
    again = adapter.create_lead_source("google")
    assert again.id == created.id


def test_create_lead_source_where_the_platform_cannot(adapter, sandbox):
    sandbox.faults.can_create_lead_sources = False
    with pytest.raises(AdapterError) as info:
        adapter.create_lead_source("Google")
    assert info.value.permanent and info.value.status == 405
    assert info.value.message == "The platform cannot create lead sources"


@pytest.mark.parametrize("kind", ["prospect", "member"])
def test_create_update_and_list_changed(adapter, sandbox, kind):
    first = adapter.create_record(
        kind, {"first_name": "Ana", "email": "ana@x.example"}, idempotency_key="k-1"
    )
    second = adapter.create_record(kind, {"first_name": "Bo"}, idempotency_key="k-2")
    adapter.update_record(kind, first, {"first_name": "Anna", "staff_owner_id": "S1"})
    held = {r["id"]: r for r in sandbox.store.all_records(kind)}
    assert held[first]["first_name"] == "Anna" and held[first]["staff_owner_id"] == "S1"
    assert held[second]["first_name"] == "Bo"

    page = adapter.list_changed(kind, since=None, cursor=None)
    assert [r.id for r in page.records] == [second, first]  # oldest change first
    assert page.records[1].fields["first_name"] == "Anna"
    assert page.records[1].updated_at.tzinfo is not None

    since = page.records[1].updated_at.isoformat()
    later = adapter.list_changed(kind, since=since, cursor=None)
    assert [r.id for r in later.records] == [first]


def test_list_changed_pages_with_the_cursor(adapter, sandbox):
    ids = [
        adapter.create_record("prospect", {"first_name": f"P{i}"}, idempotency_key=f"k{i}")
        for i in range(230)
    ]
    seen, cursor, pages = [], None, 0
    while True:
        page = adapter.list_changed("prospect", since=None, cursor=cursor)
        seen += [r.id for r in page.records]
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == ids and pages == 3


def test_same_idempotency_key_creates_one_record(adapter, sandbox):
    a = adapter.create_record("prospect", {"first_name": "Ana"}, idempotency_key="same")
    b = adapter.create_record("prospect", {"first_name": "Ana"}, idempotency_key="same")
    assert a == b
    assert len(sandbox.store.all_records("prospect")) == 1


@pytest.mark.parametrize("fault", ["timeout", "drop", "500"])
def test_a_create_whose_answer_was_lost_is_retried_with_the_same_key_only(sandbox, fault):
    """The platform created the record, the answer never came: the retry is the same POST
    with the same Idempotency-Key (no look-up), answered with the first record."""
    from integrations.sandbox.store import FaultRule

    adapter = _adapter(sandbox.base_url, read=0.3)
    sandbox.faults.rules.append(FaultRule("POST", "/prospects", fault, after_work=True,
                                          seconds=0.6))
    with pytest.raises(AdapterError) as info:
        adapter.create_record("prospect", {"first_name": "Ana"}, idempotency_key="lost")
    assert not info.value.permanent
    # Made, though the answer was lost (on a loaded machine the platform may still be making
    # it when the client's read timeout ends).
    wait_until(lambda: sandbox.store.all_records("prospect"), 5, "the platform should create it")
    [created] = sandbox.store.all_records("prospect")

    again = adapter.create_record("prospect", {"first_name": "Ana"}, idempotency_key="lost")
    adapter.update_record("prospect", again, {"first_name": "Ana", "last_name": "Lopez"})

    assert again == created["id"]
    [stored] = sandbox.store.all_records("prospect")
    assert (stored["id"], stored["last_name"]) == (created["id"], "Lopez")
    assert sandbox.store.stats["POST /prospects 200"] == 1  # the replay: the first record
    assert not any(k.startswith("GET /prospects") for k in sandbox.store.stats)


def test_lead_source_creation_sends_its_idempotency_key(adapter, sandbox):
    from integrations.sandbox.store import FaultRule

    sandbox.faults.rules.append(FaultRule("POST", "/lead-sources", "drop", after_work=True))
    with pytest.raises(AdapterError):
        adapter.create_lead_source("Spring promo", idempotency_key="ls-1")
    sandbox.store.lead_sources["LS99"] = {"id": "LS99", "name": "spring promo", "active": True}
    again = adapter.create_lead_source("Spring Promo", idempotency_key="ls-1")
    first = next(s for s in sandbox.store.lead_sources.values() if s["name"] == "Spring promo")
    assert again.id == first["id"]  # by its key, not by a name that came later


def test_wrong_token_is_a_permanent_auth_error(sandbox):
    with pytest.raises(AuthError) as info:
        _adapter(sandbox.base_url, token="wrong").list_staff()
    assert info.value.permanent and info.value.status == 401


def test_server_errors_are_temporary(adapter, sandbox):
    sandbox.faults.fail_rate = 1.0
    with pytest.raises(AdapterError) as info:
        adapter.create_record("prospect", {"first_name": "Ana"}, idempotency_key="k")
    assert not info.value.permanent and info.value.status == 500
    assert "Injected failure" in info.value.message
    assert sandbox.store.all_records("prospect") == []


def test_a_share_of_failures_is_roughly_the_fail_rate(adapter, sandbox):
    sandbox.faults.fail_rate = 0.3
    failures = 0
    for i in range(200):
        try:
            adapter.create_record("prospect", {"first_name": "A"}, idempotency_key=f"r{i}")
        except AdapterError as error:
            assert not error.permanent
            failures += 1
    assert 30 <= failures <= 90
    assert len(sandbox.store.all_records("prospect")) == 200 - failures


def test_rate_limit_answers_429_with_retry_after(adapter, sandbox):
    sandbox.faults.rate_limit = 3
    errors = []
    for _ in range(10):
        try:
            adapter.list_lead_sources()
        except AdapterError as error:
            errors.append(error)
    assert errors, "more than 3 requests in a second must be limited"
    assert all(e.status == 429 and not e.permanent and e.retry_after == 1.0 for e in errors)


def test_latency_beyond_the_read_timeout_is_a_temporary_timeout(sandbox):
    sandbox.faults.latency_ms = 1200
    started = time.monotonic()
    with pytest.raises(AdapterError) as info:
        _adapter(sandbox.base_url, read=0.4).list_staff()
    assert time.monotonic() - started < 1.0
    assert not info.value.permanent
    assert info.value.message == "The platform did not answer within 0.4 seconds"


def test_invalid_record_is_a_permanent_error_with_the_platform_message(adapter):
    with pytest.raises(AdapterError) as info:
        adapter.create_record("prospect", {"email": "not-an-email"}, idempotency_key="bad")
    assert info.value.permanent and info.value.status == 422
    assert info.value.message == (
        "The platform refused the request (422): email 'not-an-email' is not a valid email address"
    )


def test_an_error_message_echoing_the_person_keeps_its_words_not_their_email_or_phone(
    local_server, loopback_on
):
    local_server.answer(409, json.dumps({
        "detail": "ana.lopez@example.com (+1 555-010-7788) is already a member; call first",
    }).encode())
    with pytest.raises(AdapterError) as info:
        _adapter(local_server.url).create_record("prospect", {}, idempotency_key="k")
    assert info.value.message == (
        "The platform refused the request (409): <email> (<phone>) is already a member; call first"
    )


def test_update_of_an_unknown_record_is_permanent(adapter):
    with pytest.raises(AdapterError) as info:
        adapter.update_record("member", "M404", {"first_name": "X"})
    assert info.value.permanent and info.value.status == 404


def test_connection_drop_is_temporary(adapter, sandbox):
    sandbox.faults.drop_rate = 1.0
    with pytest.raises(AdapterError) as info:
        adapter.list_lead_sources()
    assert not info.value.permanent
    assert info.value.message.startswith("Could not reach the platform at 127.0.0.1")


def test_token_never_in_logs_or_errors(sandbox, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    adapter = _adapter(sandbox.base_url, token="super-secret-token-123")
    with pytest.raises(AuthError) as info:
        adapter.list_staff()
    adapter.test_connection()
    assert "super-secret-token-123" not in caplog.text
    assert "super-secret-token-123" not in str(info.value)
    assert "super-secret-token-123" not in repr(adapter.config)


def test_adapter_for_an_integration_is_the_rest_adapter():
    from integrations.adapters import adapter_class

    assert adapter_class("rest") is RestAdapter
