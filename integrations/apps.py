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


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Connector"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(intouch_ensure, sender=self, dispatch_uid="integrations.intouch")
        connection_created.connect(json_loads_fast, dispatch_uid="integrations.json_loads")
        # A staff link made in mappings releases held prospects and queues owner updates.
        from integrations.sync.delivery.release import staff_mapping_made
        from mappings.services.hooks import mapping_made_listen

        mapping_made_listen(staff_mapping_made)
