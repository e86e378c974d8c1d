"""The sandbox platform itself, through a plain HTTP client and its management command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from integrations.sandbox import Faults, SandboxServer, SandboxStore, load_staff_csv
from tests.processes import http_ready
from tests.transport.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def plain(sandbox):
    """A plain requests client for the sandbox (not the outbound module under test)."""
    with requests.Session() as client:
        client.headers.update(AUTH)
        client.trust_env = False
        yield lambda method, path, **kw: client.request(method, sandbox.base_url + path, **kw)


def test_every_call_needs_the_token(sandbox):
    answer = requests.get(sandbox.base_url + "/ping", timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "The token is missing or wrong"}


def test_records_posted_from_outside_are_listed_with_updated_at(plain, sandbox):
    created = plain("POST", "/prospects", json={"first_name": "Walk", "last_name": "In"})
    assert created.status_code == 201
    sandbox.store.record_create("member", {"first_name": "Seeded"})
    [prospect] = plain("GET", "/prospects").json()["results"]
    assert prospect["id"] == created.json()["id"] and prospect["first_name"] == "Walk"
    assert prospect["updated_at"].endswith("+00:00")
    [member] = plain("GET", "/members").json()["results"]
    assert member["first_name"] == "Seeded"
    assert plain("GET", f"/prospects/{prospect['id']}").json()["last_name"] == "In"


def test_updated_since_is_inclusive_and_ordered(plain, sandbox):
    a, _ = sandbox.store.record_create("prospect", {"first_name": "A"})
    b, _ = sandbox.store.record_create("prospect", {"first_name": "B"})
    sandbox.store.record_update("prospect", a["id"], {"first_name": "A2"})
    listed = plain("GET", "/prospects", params={"updated_since": b["updated_at"]}).json()
    assert [r["first_name"] for r in listed["results"]] == ["B", "A2"]
    assert listed["next_cursor"] is None


def test_idempotency_key_never_creates_twice(plain, sandbox):
    headers = {"Idempotency-Key": "abc"}
    first = plain("POST", "/members", json={"first_name": "A"}, headers=headers)
    second = plain("POST", "/members", json={"first_name": "B"}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()  # the record the first request created
    [member] = sandbox.store.all_records("member")
    assert member["first_name"] == "A"


def test_targeted_faults_hit_one_call_and_are_used_up(plain, sandbox):
    from integrations.sandbox.store import FaultRule

    sandbox.faults.rules += [FaultRule("POST", "/lead-sources", "500", times=2),
                             FaultRule("POST", "/prospects", "429")]
    assert plain("GET", "/lead-sources").status_code == 200
    assert [plain("POST", "/lead-sources", json={"name": "G"}).status_code
            for _ in range(3)] == [500, 500, 201]
    limited = plain("POST", "/prospects", json={"first_name": "A"})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "1")
    assert sandbox.store.all_records("prospect") == []
    assert plain("POST", "/prospects", json={"first_name": "A"}).status_code == 201


def test_a_timeout_after_the_work_creates_the_record_and_answers_late(plain, sandbox):
    from integrations.sandbox.store import FaultRule

    sandbox.faults.rules.append(FaultRule("POST", "/prospects", "timeout", after_work=True,
                                          seconds=0.5))
    with pytest.raises(requests.Timeout):
        plain("POST", "/prospects", json={"first_name": "A"}, timeout=0.2)
    assert len(sandbox.store.all_records("prospect")) == 1


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/prospects", {"data": b"{not json"}, 400),
        ("POST", "/prospects", {"json": [1, 2]}, 400),
        ("POST", "/prospects", {"json": {"email": "nope"}}, 422),
        ("POST", "/prospects", {"json": {"first_name": 5}}, 422),
        ("PUT", "/prospects/P999", {"json": {"first_name": "X"}}, 404),
        ("GET", "/prospects", {"params": {"updated_since": "yesterday"}}, 400),
        ("GET", "/prospects", {"params": {"updated_since": "2026-01-01T00:00:00"}}, 400),
        ("GET", "/prospects", {"params": {"cursor": "%%%"}}, 400),
        ("DELETE", "/prospects", {}, 405),
        ("GET", "/nothing-here", {}, 404),
        ("POST", "/lead-sources", {"json": {"name": ""}}, 422),
    ],
)
def test_bad_requests_get_clear_4xx(plain, sandbox, method, path, kwargs, status):
    answer = plain(method, path, **kwargs)
    assert answer.status_code == status
    assert answer.json()["detail"]
    assert sandbox.store.all_records("prospect") == []


def test_lead_source_creation_can_be_switched_off(plain, sandbox):
    assert plain("POST", "/lead-sources", json={"name": "Google"}).status_code == 201
    sandbox.faults.can_create_lead_sources = False
    answer = plain("POST", "/lead-sources", json={"name": "Bing"})
    assert answer.status_code == 405
    names = [s["name"] for s in plain("GET", "/lead-sources").json()["results"]]
    assert names == ["Walk-in", "Facebook ad", "Google"]


def test_rate_limit_and_latency(plain, sandbox):
    sandbox.faults.rate_limit = 2
    answers = [plain("GET", "/ping") for _ in range(5)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and all(a.headers["Retry-After"] == "1" for a in limited)
    sandbox.faults.rate_limit = 0
    sandbox.faults.latency_ms = 300
    started = time.monotonic()
    assert plain("GET", "/ping").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_failures_do_nothing_and_drops_happen_after_the_work(plain, sandbox):
    sandbox.faults.fail_rate = 1.0
    assert plain("POST", "/prospects", json={"first_name": "A"}).status_code == 500
    assert sandbox.store.all_records("prospect") == []
    sandbox.faults.fail_rate = 0.0
    sandbox.faults.drop_rate = 1.0
    with pytest.raises(requests.ConnectionError):
        plain("POST", "/prospects", json={"first_name": "A"})
    assert len(sandbox.store.all_records("prospect")) == 1
    assert sandbox.store.stats["dropped"] == 1


def test_parallel_creates_are_all_kept(loopback_on):
    from concurrent.futures import ThreadPoolExecutor

    with SandboxServer(token=TOKEN, faults=Faults()) as server:

        def post(i):
            return requests.post(
                server.base_url + "/prospects",
                json={"first_name": f"P{i}"},
                headers={**AUTH, "Idempotency-Key": f"k{i % 50}"},
                timeout=5,
            ).json()["id"]

        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(post, range(200)))
        assert len(set(ids)) == 50
        assert len(server.store.all_records("prospect")) == 50


@pytest.mark.parametrize(("writes", "in_order"), [
    (["v0", "v1", "v2"], True),
    (["v0", "v2"], True),  # an update may carry two versions' changes at once
    (["v0", "v2", "v1"], False),  # went back
    (["v0", "v1"], False),  # the last version never arrived
    (["v1", "v2"], False),  # created at a later version
], ids=["all", "coalesced", "reordered", "short", "late create"])
def test_the_journal_tells_whether_each_records_writes_came_in_order(writes, in_order):
    store = SandboxStore()
    other, _ = store.record_create("prospect", {"notes": "v0"})
    store.record_update("prospect", other["id"], {"notes": "v2"})  # in order
    record, _ = store.record_create("prospect", {"notes": writes[0]})
    for version in writes[1:]:
        store.record_update("prospect", record["id"], {"notes": version})

    assert store.writes_in_order("prospect", field="notes", versions=["v0", "v1", "v2"]) is (
        in_order)


def test_staff_csv_is_loaded(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(
        "external_id,first_name,last_name,email,active\n"
        "S1,Ann,Lee,ann@club.example,true\nS2, Bo ,Kim,,no\nS3,Cy,Li,,\n"
    )
    staff = load_staff_csv(path)
    assert [(s["id"], s["first_name"], s["active"]) for s in staff] == [
        ("S1", "Ann", True),
        ("S2", "Bo", False),
        ("S3", "Cy", True),
    ]
    assert SandboxStore(staff=staff).staff_page(None, 10)[0][1]["last_name"] == "Kim"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,first_name\nS1,Ann\n", "missing column(s) external_id, last_name, email, active"),
        ("external_id,first_name,last_name,email,active\nS1,A,B,,maybe\n", "line 2: active"),
        ("external_id,first_name,last_name,email,active\n,A,B,,yes\n", "line 2: external_id"),
    ],
)
def test_bad_staff_csv_says_where(tmp_path, text, message):
    path = tmp_path / "staff.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_staff_csv(path)


def _command(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_DEBUG": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_sandbox_platform", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--token", "t"],
        ["--port", "x", "--token", "t"],
        ["--port", "8000"],
        ["--port", "8000", "--token", "t", "--fail-rate", "1.5"],
        ["--port", "8000", "--token", "t", "--rate-limit", "fast"],
        ["--port", "8000", "--token", "t", "--latency-ms", "-1"],
        ["--port", "8000", "--token", "t", "--staff", "/no/such/file.csv"],
    ],
)
def test_command_refuses_bad_arguments_in_one_line(args, capsys):
    from integrations.management.commands.run_sandbox_platform import Command

    with pytest.raises(SystemExit) as info:
        Command().run_from_argv(["manage.py", "run_sandbox_platform", *args])
    assert info.value.code != 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_command_line_error_from_the_real_cli():
    proc = _command("--port", "x", "--token", "t")
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip() == (
        "run_sandbox_platform: error: argument --port: must be a number from 1 to 65535, not 'x'"
    )


def test_command_serves_the_contract(tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text("external_id,first_name,last_name,email,active\nS1,Ann,Lee,a@c.example,1\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _command(
        "--port",
        str(port),
        "--token",
        "tok",
        "--staff",
        str(staff),
        "--lead-sources",
        "Walk-in, Web",
        "--no-create-lead-sources",
        "--fail-rate",
        "0",
        "--rate-limit",
        "100",
        "--latency-ms",
        "0",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        auth = {"Authorization": "Bearer tok"}
        http_ready(base + "/ping", headers=auth)
        assert (
            requests.get(base + "/staff", headers=auth, timeout=5).json()["results"][0][
                "first_name"
            ]
            == "Ann"
        )
        names = [
            s["name"]
            for s in requests.get(base + "/lead-sources", headers=auth, timeout=5).json()["results"]
        ]
        assert names == ["Walk-in", "Web"]
        created = requests.post(base + "/lead-sources", json={"name": "X"}, headers=auth, timeout=5)
        assert created.status_code == 405
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
