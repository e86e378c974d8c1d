from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.management.base import one_line
from integrations.models.choices import Adapter
from integrations.services.launch import platform_add


class Command(BaseCommand):
    help = "Add a platform (a partner's product) to the Connector."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--adapter", default=Adapter.REST, choices=Adapter.values)
        parser.add_argument("--can-create-lead-sources", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            platform = platform_add(
                slug=options["slug"],
                name=options["name"],
                adapter=options["adapter"],
                can_create_lead_sources=options["can_create_lead_sources"],
            )
        except ValidationError as exc:
            raise CommandError(one_line(exc)) from None
        self.stdout.write(f"Added platform {platform.slug} ({platform.name}).")
