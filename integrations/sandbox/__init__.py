"""The sandbox platform: a small runnable implementation of the generic REST contract.

`SandboxServer(token=...).start()` serves it in-process on 127.0.0.1 (tests, demo);
`manage.py run_sandbox_platform` serves it as its own local server.
"""

from integrations.sandbox.server import SandboxServer
from integrations.sandbox.store import Faults, SandboxStore, load_staff_csv

__all__ = ["Faults", "SandboxServer", "SandboxStore", "load_staff_csv"]
