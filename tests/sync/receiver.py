"""A real local webhook receiver: checks signatures, records events, fails on demand."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from integrations.webhooks.signing import verify


class WebhookReceiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[tuple[str, dict]] = []  # (webhook-id, event), verified only
        self.answers: deque[int] = deque()  # statuses to answer before 200s
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                verify(secret=receiver.secret, headers=dict(self.headers), body=body)
                status = receiver.answers.popleft() if receiver.answers else 200
                if status == 200:
                    receiver.received.append((self.headers["webhook-id"], json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
