from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

from integrations.db.connection import json_loads_fast

INTOUCH = {"slug": "intouch", "name": "InTouch", "adapter": "rest", "can_create_lead_sources": True}


def intouch_ensure(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """InTouch always exists: made by the first migration, and again after a database flush."""
    from integrations.models import Platform

    defaults = {key: value for key, value in INTOUCH.items() if key != "slug"}
    Platform.objects.using(using).get_or_create(slug=INTOUCH["slug"], defaults=defaults)


def schedules_ready(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Every `migrate` creates or updates the sync engine's schedules (by name, idempotent)."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django_q.models import Schedule

    from integrations.sync.schedules import schedules_ensure

    if using != DEFAULT_DB_ALIAS:
        return
    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return  # `migrate integrations` alone, before django_q's tables exist
    schedules_ensure()


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Connector"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from integrations.monitoring import checks  # noqa: F401 - registers the system check

        post_migrate.connect(intouch_ensure, sender=self, dispatch_uid="integrations.intouch")
        post_migrate.connect(schedules_ready, sender=self, dispatch_uid="integrations.schedules")
        connection_created.connect(json_loads_fast, dispatch_uid="integrations.json_loads")
        # A staff link made in mappings releases held prospects and queues owner updates.
        from integrations.sync.delivery.release import staff_mapping_made
        from mappings.services.hooks import mapping_made_listen

        mapping_made_listen(staff_mapping_made)
