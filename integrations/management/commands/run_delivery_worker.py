"""`python manage.py run_delivery_worker`: a delivery-only worker process (see sync/worker.py)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from integrations.sync.delivery.worker import worker_run


class Command(BaseCommand):
    help = "Deliver outbox rows until stopped (SIGTERM / Ctrl-C); shares work with other workers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--poll", type=float, default=0.2, help="seconds to sleep when idle")
        parser.add_argument("--sweep", type=float, default=30.0,
                            help="seconds between sweeps for rows of dead workers")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            counts = worker_run(should_stop=stop.is_set, poll_seconds=options["poll"],
                                sweep_seconds=options["sweep"])
        except KeyboardInterrupt:
            return
        self.stdout.write(f"Delivery worker stopped: {dict(counts)}")
