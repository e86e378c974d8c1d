from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.management.base import one_line
from integrations.services.launch import client_launch


class Command(BaseCommand):
    help = "Launch a client (a club business) on the Connector."

    def add_arguments(self, parser) -> None:
        parser.add_argument("client_id")
        parser.add_argument("--name", required=True)

    def handle(self, *args, **options) -> None:
        try:
            client = client_launch(client_id=options["client_id"], name=options["name"])
        except ValidationError as exc:
            raise CommandError(one_line(exc)) from None
        self.stdout.write(f"Launched client {client.id} ({client.name}).")
