"""Helpers of the tests that start servers and workers as processes."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes(*, session: int | None = None, group: int | None = None) -> set[int]:
    """Live (not zombie) processes of a session or a process group, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, _, pgrp, sid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:4]
        except OSError:
            continue
        if state != "Z" and (int(sid) == session or int(pgrp) == group):
            found.add(int(entry.name))
    return found


def http_ready(url: str, *, headers: dict | None = None, seconds: float = 90) -> None:
    """Wait until a server just started answers `url` (any status): a loaded machine can take
    tens of seconds to start Django; fails the test with the reason after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, headers=headers, timeout=10)
            return
        except requests.RequestException as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer within {seconds} s: {error}") from None
            time.sleep(0.2)
