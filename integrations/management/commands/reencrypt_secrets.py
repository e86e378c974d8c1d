"""`python manage.py reencrypt_secrets`: the last step of rotating CONNECTOR_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.crypto import DecryptionError
from integrations.services.secrets import secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt platform credentials and webhook secrets with the first key of "
        "CONNECTOR_ENCRYPTION_KEYS (after a new key was put first), so old keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = secrets_reencrypt()
        except DecryptionError:
            raise CommandError(
                "A stored secret fits none of CONNECTOR_ENCRYPTION_KEYS; nothing was changed."
            ) from None
        self.stdout.write(f"Re-encrypted {count} secrets with the first key.")
