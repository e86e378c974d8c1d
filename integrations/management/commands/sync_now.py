"""`python manage.py sync_now CLIENT_ID PLATFORM_SLUG`: queue an immediate fetch."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.sync.inbound.fetch import SyncNowError, integration_for_sync, sync_now


class Command(BaseCommand):
    help = "Queue an immediate fetch (staff, lead sources, records) of one api integration."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message: str) -> None:
            if not parser.called_from_command_line:
                raise CommandError(f"Error: {message}")
            sys.stderr.write(f"sync_now: error: {message} (usage: sync_now CLIENT_ID "
                             "PLATFORM_SLUG)\n")
            sys.exit(2)

        parser.error = one_line_error  # type: ignore[method-assign]  # one line, not the usage
        return parser

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("client_id")
        parser.add_argument("platform_slug")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            integration = integration_for_sync(
                client_id=options["client_id"], platform_slug=options["platform_slug"]
            )
        except SyncNowError as error:
            raise CommandError(str(error)) from None
        task_id = sync_now(integration=integration)
        self.stdout.write(f"Fetch of {integration} queued (task {task_id}).")
