from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.management.base import get_client, one_line
from integrations.services.launch import client_user_add


class Command(BaseCommand):
    help = "Create a login for a client's user (the client pages)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("client_id")
        parser.add_argument("email")
        parser.add_argument("--password", required=True)

    def handle(self, *args, **options) -> None:
        client = get_client(options["client_id"])
        try:
            user = client_user_add(
                client=client, email=options["email"], password=options["password"]
            )
        except ValidationError as exc:
            raise CommandError(one_line(exc)) from None
        self.stdout.write(f"Created user {user.email} for {client.name}.")
