"""The processes of a load test, and what is watched of them: memory from /proc, /metrics.

Not a benchmark itself: load_sustained.py imports it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import processes


class Fleet:
    """Processes in process groups of their own, as machines would be; `stop` ends them all
    (and may be called again: load_sustained.py calls it from `finally` and `atexit`)."""

    def __init__(self, root: Path, logs: Path) -> None:
        self.root, self.logs = root, logs
        self.started: dict[str, subprocess.Popen] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "ab") as log:
            process = subprocess.Popen([sys.executable, *args], cwd=self.root, env=env,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.started[name] = process
        return process

    def stop(self) -> None:
        """qcluster's main process alone gets SIGTERM (its workers finish their task), the
        others SIGTERM; after 15 s whatever is left of any group is killed."""
        for process in self.started.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.started.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(deadline - time.monotonic(), 0.1))
            for pid in processes(group=process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait(5)
        self.started.clear()

    def log_problems(self) -> dict[str, int]:
        """{log: lines that say ERROR, CRITICAL or Traceback} of every process's log."""
        found = {}
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace")
            found[log.stem] = sum(1 for line in text.splitlines()
                                  if " ERROR " in line or " CRITICAL " in line
                                  or line.startswith("Traceback"))
        return found


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {seconds:.0f} s")
        time.sleep(0.2)


def answers(url: str, **kwargs) -> bool:
    try:
        return requests.get(url, timeout=5, **kwargs).status_code < 500
    except requests.RequestException:
        return False


def _proc(pid: int) -> tuple[int, int] | None:
    """(parent pid, RSS in kB) of a live process, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = fields.get("VmRSS", "0 kB").split()[0]
    return int(fields["PPid"]), int(rss)


def cluster_roles() -> dict[int, str]:
    """{pid: monitor | pusher | worker} of every running cluster of this run's name, from
    the status django-q2's sentinels keep in the broker."""
    from django_q.status import Stat

    roles: dict[int, str] = {}
    with contextlib.suppress(Exception):  # a sentinel between two saves: labels fall back
        for stat in Stat.get_all():
            roles.update({pid: "worker" for pid in stat.workers})
            roles.update({stat.monitor: "monitor", stat.pusher: "pusher"})
    return roles


def memory(fleet: Fleet) -> dict[str, int]:
    """{"<process> <role> <pid>": RSS kB} of every process of every group in the fleet."""
    roles = cluster_roles()
    found: dict[str, int] = {}
    for name, leader in fleet.started.items():
        for pid in sorted(processes(group=leader.pid)):
            seen = _proc(pid)
            if seen is None:
                continue
            parent, rss = seen
            if pid == leader.pid:
                role = "main"
            elif parent == leader.pid:
                role = "sentinel" if name.startswith("qcluster") else "worker"
            else:
                role = roles.get(pid, "child")
            found[f"{name} {role} {pid}"] = rss
    return found


def scrape(base: str, token: str) -> dict:
    """What a load test reads of GET /metrics."""
    answer = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"},
                          timeout=30)
    answer.raise_for_status()
    seen: dict = {"deliveries": {}, "api": {}, "ingest": 0.0}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            name, labels, value = sample.name, sample.labels, sample.value
            if name == "connector_outbox_due":
                seen["due"] = value
            elif name == "connector_outbox_oldest_due_seconds":
                seen["oldest_due_s"] = value
            elif name == "connector_deliveries_total":
                seen["deliveries"][labels["result"]] = value
            elif name == "connector_api_responses_total":
                seen["api"][labels["status"]] = value
            elif name == "connector_ingest_records_total":
                seen["ingest"] += value
    return seen
