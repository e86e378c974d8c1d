from __future__ import annotations

from django.core.management.base import BaseCommand

from integrations.management.base import get_platform
from integrations.services.launch import api_key_issue


class Command(BaseCommand):
    help = "Issue a partner API key; the key is printed once, alone on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("platform_slug")
        parser.add_argument("--name", default="")

    def handle(self, *args, **options) -> None:
        platform = get_platform(options["platform_slug"])
        api_key, raw_key = api_key_issue(platform=platform, name=options["name"])
        self.stdout.write(
            f"Issued key {api_key.prefix}… for {platform.name}. Only its hash is kept: copy it now."
        )
        self.stdout.write(raw_key)
