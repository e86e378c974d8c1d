"""A tiny real HTTP server on 127.0.0.1 with scripted behaviours, for outbound tests."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):  # keep test output quiet
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._route(b"")

    def do_POST(self):
        self._route(self._body())

    def _route(self, body: bytes) -> None:
        server = cast(_Server, self.server)
        server.received.append(
            {"path": self.path, "headers": dict(self.headers.items()), "body": body}
        )
        path = self.path.split("?")[0]
        if path == "/redirect":
            self._send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        elif path == "/big":
            self._send(200, b"x" * (2 * 1024 * 1024))
        elif path == "/big-chunked":
            # No Content-Length: the cap must be enforced while streaming.
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"y" * 65536
            try:
                for _ in range(40):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
        elif path == "/slow":
            time.sleep(server.slow_seconds)
            self._send(200, b"late")
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._send(code, b"nope", {"Retry-After": "7"} if code == 429 else None)
        elif path == "/echo":
            payload = {"headers": dict(self.headers.items()), "body": body.decode()}
            self._send(200, json.dumps(payload).encode(), {"Content-Type": "application/json"})
        elif path == "/down":
            server.statuses.append(503)
            self._send(503, b"down for maintenance")
        else:
            self._send(server.default_status, server.default_body)


class _Server(ThreadingHTTPServer):
    """What the handler records and how it answers, per server."""

    daemon_threads = True
    received: list[dict]
    statuses: list[int]
    slow_seconds = 2.0
    default_status = 200
    default_body = b'{"ok": true}'


class LocalServer:
    def __init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.received = []
        self.httpd.statuses = []
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[dict]:
        return self.httpd.received

    def answer(self, status: int, body: bytes) -> None:
        """Answer every other path with `status` and `body` from now on."""
        self.httpd.default_status, self.httpd.default_body = status, body

    def start(self) -> LocalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
