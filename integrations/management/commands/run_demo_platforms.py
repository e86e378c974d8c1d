"""`python manage.py run_demo_platforms`: the demo's InTouch and partner, as sandbox platforms.

`make run` starts it next to the portal and the worker. The ports and tokens are the ones
`seed_demo` gives the demo integrations (integrations/demo.py), so the worker fetches their
staff and lead sources and delivers leads to them; `GET /prospects` on either shows what
arrived.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations import demo
from integrations.sandbox import SandboxServer, SandboxStore
from integrations.sync.schedules import schedules_ensure


def demo_store(staff: list[tuple], lead_sources: list[tuple],
               prospects: list[dict] | None = None) -> SandboxStore:
    store = SandboxStore(
        staff=[
            {"id": ext, "first_name": first, "last_name": last, "email": email, "active": active}
            for ext, first, last, email, active in staff
        ],
        lead_sources=[{"id": ext, "name": name} for ext, name in lead_sources],
    )
    for fields in prospects or []:
        store.record_create("prospect", dict(fields))
    return store


class Command(BaseCommand):
    help = "Serve the demo's InTouch (port 8101) and partner (port 8102) sandbox platforms."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--intouch-port", type=int, default=demo.INTOUCH_PORT)
        parser.add_argument("--partner-port", type=int, default=demo.PARTNER_PORT)
        parser.add_argument("--no-schedules", action="store_true",
                            help="do not create the sync engine's schedules")

    def handle(self, *args: Any, **options: Any) -> None:
        servers = [
            self._server("InTouch", options["intouch_port"], demo.INTOUCH_TOKEN,
                         demo_store(demo.INTOUCH_STAFF, demo.INTOUCH_LEAD_SOURCES,
                                    demo.INTOUCH_PROSPECTS)),
            self._server(demo.PARTNER_NAME, options["partner_port"], demo.PARTNER_TOKEN,
                         demo_store(demo.PARTNER_STAFF, demo.PARTNER_LEAD_SOURCES)),
        ]
        if not options["no_schedules"]:
            # The demo's platforms only come alive with the fetch and sweep schedules.
            schedules_ensure()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        for server in servers:
            server.start()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for server in servers:
                server.stop()

    def _server(self, name: str, port: int, token: str, store: SandboxStore) -> SandboxServer:
        try:
            server = SandboxServer(token=token, store=store, port=port)
        except OSError as exc:
            raise CommandError(f"cannot serve {name} on 127.0.0.1:{port}: {exc.strerror}") from None
        self.stdout.write(f"{name} sandbox at {server.base_url} "
                          f"(GET {server.base_url}/prospects with Bearer {token})")
        self.stdout.flush()
        return server
