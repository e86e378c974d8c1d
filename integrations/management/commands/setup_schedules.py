"""`python manage.py setup_schedules`: create the sync engine's periodic tasks (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from integrations.sync.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules of the sync engine (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        names = schedules_ensure()
        self.stdout.write(f"Schedules ready: {', '.join(names)}, and a fetch per api integration.")
