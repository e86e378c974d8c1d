from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.management.base import get_client, get_platform, one_line
from integrations.models.choices import DataKind, Direction, Mode
from integrations.services.launch import IntegrationOptions, integration_create


class Command(BaseCommand):
    help = "Connect a client to a platform, with the integration options."

    def add_arguments(self, parser) -> None:
        parser.add_argument("client_id")
        parser.add_argument("platform_slug")
        parser.add_argument("--direction", required=True, choices=Direction.values)
        parser.add_argument("--data", required=True, choices=DataKind.values)
        parser.add_argument("--staff-owner", action="store_true")
        parser.add_argument("--lead-source", action="store_true")
        parser.add_argument("--primary", action="store_true")
        parser.add_argument("--mode", default=Mode.PUSH, choices=Mode.values)
        parser.add_argument("--base-url", default="")
        parser.add_argument("--token", default="")

    def handle(self, *args, **options) -> None:
        client = get_client(options["client_id"])
        platform = get_platform(options["platform_slug"])
        integration_options = IntegrationOptions(
            direction=options["direction"],
            data=options["data"],
            staff_owner=options["staff_owner"],
            lead_source=options["lead_source"],
            is_primary=options["primary"],
            mode=options["mode"],
            base_url=options["base_url"],
            credentials=options["token"],
        )
        try:
            integration = integration_create(
                client=client, platform=platform, options=integration_options
            )
        except ValidationError as exc:
            raise CommandError(one_line(exc)) from None
        self.stdout.write(f"Added integration {integration} (id {integration.pk}).")
