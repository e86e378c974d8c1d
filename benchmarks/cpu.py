"""CPU seconds of processes, from /proc: what a benchmark's parts cost, not just how long.

Not a benchmark itself: the sync and partner API benchmarks import it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its reaped children, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks


def postgres_cpu() -> float:
    """CPU of every PostgreSQL process on this machine (server, backends, WAL writer...)."""
    pids = subprocess.run(["pgrep", "-f", "postgres"], capture_output=True, text=True).stdout
    return sum(cpu_seconds(int(pid)) for pid in pids.split())


def children_cpu(parent: int) -> float:
    """CPU of a process's live children (gunicorn's workers, say)."""
    pids = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return sum(cpu_seconds(int(pid)) for pid in pids.split())
