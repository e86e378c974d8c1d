"""The sandbox platform's HTTP side: the generic REST contract over ThreadingHTTPServer."""

from __future__ import annotations

import hmac
import json
import random
import re
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integrations.sandbox.store import KINDS, FaultRule, Faults, SandboxStore

MAX_BODY = 1024 * 1024
DEFAULT_PAGE = 100
MAX_PAGE = 500
_RECORD_PATH = re.compile(r"^/(prospects|members)/([^/]+)$")


class ApiError(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


class _RateLimiter:
    """A fixed one-second window: at most `rate` requests per second pass."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.window = 0
        self.count = 0

    def allow(self, rate: float) -> bool:
        if rate <= 0:
            return True
        with self.lock:
            now = int(time.monotonic())
            if now != self.window:
                self.window, self.count = now, 0
            self.count += 1
            return self.count <= rate


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits for a delayed ACK.
    disable_nagle_algorithm = True
    server: _SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        sandbox = self.server.sandbox
        faults = sandbox.faults
        body = self._read_body()
        route = _route_name(self.path)
        rule = faults.rule_for(method, route)
        before, after = (None, rule) if rule and rule.after_work else (rule, None)
        status, payload, headers = 500, {"detail": "Unexpected error"}, {}
        try:
            self._inject_faults(faults)
            if before is not None and not self._rule_apply(before):
                return
            self._authorize(sandbox.token)
            status, payload = sandbox.route(method, self.path, body, dict(self.headers.items()))
            if after is not None and not self._rule_apply(after):
                return
        except ApiError as error:
            status, payload, headers = error.status, {"detail": error.detail}, error.headers
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        sandbox.store.stats[f"{method} {route} {status}"] += 1
        if faults.drop_rate and random.random() < faults.drop_rate:  # noqa: S311 - fault injection
            sandbox.store.stats["dropped"] += 1
            self.close_connection = True
            return
        self._answer(status, payload, headers)

    def _rule_apply(self, rule: FaultRule) -> bool:
        """Inject a targeted fault; False when the connection is to be closed unanswered."""
        stats = self.server.sandbox.store.stats
        stats[f"fault {rule.method} {rule.path} {rule.fault}"] += 1
        if rule.fault == "500":
            raise ApiError(500, "Injected failure")
        if rule.fault == "429":
            raise ApiError(429, "Too many requests", {"Retry-After": "1"})
        if rule.fault == "timeout":
            time.sleep(rule.seconds)  # the client has given up by now
            if not rule.after_work:
                raise ApiError(500, "Injected timeout")
            return True
        self.close_connection = True  # "drop"
        return False

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(int(length))

    def _inject_faults(self, faults: Faults) -> None:
        if not self.server.limiter.allow(faults.rate_limit):
            raise ApiError(429, "Too many requests", {"Retry-After": "1"})
        if faults.fail_rate and random.random() < faults.fail_rate:  # noqa: S311
            raise ApiError(500, "Injected failure")

    def _authorize(self, token: str) -> None:
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise ApiError(401, "The token is missing or wrong")

    def _answer(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            self.close_connection = True


def _route_name(path: str) -> str:
    route = urlsplit(path).path
    match = _RECORD_PATH.match(route)
    return f"/{match.group(1)}/{{id}}" if match else route


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    sandbox: SandboxServer
    limiter: _RateLimiter
    verbose: bool


class SandboxServer:
    """The sandbox platform; `start()` serves it on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        *,
        token: str,
        store: SandboxStore | None = None,
        faults: Faults | None = None,
        port: int = 0,
        staff_page_size: int = 50,
        verbose: bool = False,
    ) -> None:
        self.token = token
        self.store = store or SandboxStore()
        self.faults = faults or Faults()
        self.staff_page_size = staff_page_size
        self.httpd = _SandboxHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.sandbox = self
        self.httpd.limiter = _RateLimiter()
        self.httpd.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        """Serve in a background thread; returns the base URL."""
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.base_url

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the management command)."""
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the contract -------------------------------------------------------------------

    def route(
        self, method: str, raw_path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, Any]:
        if body is None:
            raise ApiError(413, "The body is too large")
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if path == "/ping" and method == "GET":
            return 200, {"ok": True}
        if path == "/staff" and method == "GET":
            results, cursor = self.store.staff_page(query.get("cursor"), self.staff_page_size)
            return 200, {"results": results, "next_cursor": cursor}
        key = {k.lower(): v for k, v in headers.items()}.get("idempotency-key") or None
        if path == "/lead-sources":
            return self._lead_sources(method, body, key)
        if path.lstrip("/") in KINDS:
            return self._records(method, KINDS[path.lstrip("/")], query, body, key)
        match = _RECORD_PATH.match(path)
        if match and method == "PUT":
            return self._record_update(KINDS[match.group(1)], match.group(2), body)
        if match and method == "GET":
            record = self.store.records[KINDS[match.group(1)]].get(match.group(2))
            if record is None:
                raise ApiError(404, "No such record")
            return 200, {k: v for k, v in record.items() if not k.startswith("_")}
        raise ApiError(404 if method == "GET" else 405, f"No route for {method} {path}")

    def _lead_sources(self, method: str, body: bytes, key: str | None) -> tuple[int, Any]:
        if method == "GET":
            with self.store.lock:
                return 200, {"results": [dict(s) for s in self.store.lead_sources.values()]}
        if method != "POST":
            raise ApiError(405, "Method not allowed")
        if not self.faults.can_create_lead_sources:
            raise ApiError(405, "This platform cannot create lead sources")
        name = _json_object(body).get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ApiError(422, "name is required (a text of at most 200 characters)")
        source, created = self.store.lead_source_create(name.strip(), idempotency_key=key)
        return (201 if created else 200), {"id": source["id"], "name": source["name"]}

    def _records(
        self, method: str, kind: str, query: dict[str, str], body: bytes, key: str | None
    ) -> tuple[int, Any]:
        if method == "GET":
            return 200, self._records_list(kind, query)
        if method != "POST":
            raise ApiError(405, "Method not allowed")
        fields = _valid_record(_json_object(body))
        # A repeated Idempotency-Key is answered with the record the first request created
        # (platform-contract.md): 200 and the same id, never a second record.
        record, created = self.store.record_create(kind, fields, key)
        return (201 if created else 200), {"id": record["id"]}

    def _records_list(self, kind: str, query: dict[str, str]) -> dict[str, Any]:
        since = None
        if query.get("updated_since"):
            try:
                since = datetime.fromisoformat(query["updated_since"].replace(" ", "+"))
            except ValueError:
                raise ApiError(400, "updated_since is not an ISO 8601 date-time") from None
            if since.tzinfo is None:
                raise ApiError(400, "updated_since needs a time zone")
        limit = query.get("limit", "")
        size = min(int(limit), MAX_PAGE) if limit.isdigit() and int(limit) > 0 else DEFAULT_PAGE
        try:
            results, cursor = self.store.changed_page(
                kind, since=since, cursor=query.get("cursor"), limit=size
            )
        except ValueError:
            raise ApiError(400, "cursor is not valid") from None
        return {"results": results, "next_cursor": cursor}

    def _record_update(self, kind: str, record_id: str, body: bytes) -> tuple[int, Any]:
        fields = _valid_record(_json_object(body))
        record = self.store.record_update(kind, record_id, fields)
        if record is None:
            raise ApiError(404, f"No {kind} with id {record_id}")
        return 200, {"id": record["id"]}


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object")
    return data


def _valid_record(fields: dict[str, Any]) -> dict[str, Any]:
    """The few checks a real platform makes, so a bad record gets a real 422."""
    for name in ("first_name", "last_name", "email", "phone"):
        value = fields.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            raise ApiError(422, f"{name} must be a text of at most 200 characters")
    email = fields.get("email")
    if email and "@" not in email:
        raise ApiError(422, f"email {email!r} is not a valid email address")
    return fields
