"""Seed the demo: a club with InTouch (primary) and a partner, staff, lead sources and records.

Running it twice changes nothing: every step finds what it made the first time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations import demo
from integrations.demo_seed import seed_rosters_and_records
from integrations.models import ApiKey, Client, Integration, Platform, User
from integrations.models.choices import DataKind, Direction, Mode
from integrations.services.launch import (
    IntegrationOptions,
    client_launch,
    client_user_add,
    hash_api_key,
    integration_create,
    platform_add,
)


class Command(BaseCommand):
    help = "Create the demo club, its integrations, staff, lead sources, records and logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Where the portal runs.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not settings.TESTING:
            # The demo has well-known passwords and a published API key.
            raise CommandError("seed_demo is for development: set DJANGO_DEBUG=1.")
        if not settings.CONNECTOR_ALLOW_LOOPBACK_URLS:
            # The demo's platforms are sandboxes on this machine, at http://127.0.0.1.
            raise CommandError(
                "seed_demo's platforms run on this machine: set CONNECTOR_ALLOW_LOOPBACK_URLS=1 "
                "(make run does)."
            )
        with transaction.atomic():
            client = self.ensure_client()
            intouch, partner = self.ensure_integrations(client)
            self.ensure_logins(client)
            self.ensure_api_key(partner.platform)
        seeded = self.ensure_rosters_and_records(intouch, partner)
        self.print_summary(options["port"], seeded)

    def ensure_client(self) -> Client:
        client = Client.objects.filter(pk=demo.CLIENT_ID).first()
        return client or client_launch(client_id=demo.CLIENT_ID, name=demo.CLIENT_NAME)

    def ensure_integrations(self, client: Client) -> tuple[Integration, Integration]:
        intouch_platform = Platform.objects.get(slug="intouch")
        partner_platform = Platform.objects.filter(slug=demo.PARTNER_SLUG).first() or platform_add(
            slug=demo.PARTNER_SLUG, name=demo.PARTNER_NAME
        )
        intouch = self.ensure_integration(
            client,
            intouch_platform,
            IntegrationOptions(
                direction=Direction.BOTH,
                data=DataKind.BOTH,
                staff_owner=True,
                lead_source=True,
                is_primary=True,
                mode=Mode.API,
                base_url=f"http://127.0.0.1:{demo.INTOUCH_PORT}",
                credentials=demo.INTOUCH_TOKEN,
            ),
        )
        partner = self.ensure_integration(
            client,
            partner_platform,
            IntegrationOptions(
                direction=Direction.BOTH,
                data=DataKind.BOTH,
                staff_owner=True,
                lead_source=True,
                mode=Mode.API,
                base_url=f"http://127.0.0.1:{demo.PARTNER_PORT}",
                credentials=demo.PARTNER_TOKEN,
            ),
        )
        return intouch, partner

    def ensure_integration(
        self, client: Client, platform: Platform, options: IntegrationOptions
    ) -> Integration:
        existing = Integration.objects.filter(client=client, platform=platform).first()
        return existing or integration_create(client=client, platform=platform, options=options)

    def ensure_logins(self, client: Client) -> None:
        email, password = demo.SUPPORT_LOGIN
        if not User.objects.filter(email=email).exists():
            User.objects.create_superuser(email=email, password=password, full_name="Demo Support")
        email, password = demo.CLIENT_LOGIN
        if not User.objects.filter(email=email).exists():
            client_user_add(client=client, email=email, password=password)

    def ensure_api_key(self, platform: Platform) -> None:
        hashed = hash_api_key(demo.PARTNER_API_KEY)
        ApiKey.objects.get_or_create(
            hashed_key=hashed,
            defaults={"platform": platform, "name": "demo", "prefix": demo.PARTNER_API_KEY[:12]},
        )

    def ensure_rosters_and_records(self, intouch: Integration, partner: Integration) -> list[str]:
        """Rosters, matching and records, through the same services the API and polling use."""
        return seed_rosters_and_records(intouch=intouch, partner=partner)

    def print_summary(self, port: int, seeded: list[str]) -> None:
        base = f"http://127.0.0.1:{port}"
        for line in seeded:
            self.stdout.write(f"  {line}")
        support, client = demo.SUPPORT_LOGIN, demo.CLIENT_LOGIN
        self.stdout.write(
            "\nDemo ready.\n"
            f"  Support admin: {base}/admin/  login {support[0]} / {support[1]}\n"
            f"  Client pages:  {base}/login/  login {client[0]} / {client[1]}\n"
            f"  Partner API:   {base}/api/v1/docs/  key {demo.PARTNER_API_KEY}\n"
            f"  Within a minute the worker has synced the demo, and {base}/issues/ shows what\n"
            "  needs a person: leads sent without their owner (a partner staff member has\n"
            "  no counterpart in InTouch), a record InTouch holds that cannot be taken (a typo\n"
            f"  in an email). The support home, {base}/admin/, shows them across clients."
        )
