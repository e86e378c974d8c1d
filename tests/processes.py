"""Helpers of the tests that start servers and workers as processes."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


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


def wait_until(condition, seconds: float, what: str) -> float:
    """Poll `condition` until it holds; the seconds it took, or the test fails with `what`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"{what} within {seconds} s")
        time.sleep(0.1)
    return time.monotonic() - start


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


@contextlib.contextmanager
def gunicorn_serving(env: dict[str, str], *args: str) -> Iterator[str]:
    """gunicorn serving the Connector with `env` and gunicorn's `args`: its URL once it
    answers `/healthz`; stopped on leaving."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "connector_portal.wsgi", *args,
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        http_ready(f"{url}/healthz")
        yield url
    finally:
        server.terminate()
        server.wait(10)
