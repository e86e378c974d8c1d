from __future__ import annotations

import functools
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

INTOUCH = {"slug": "intouch", "name": "InTouch", "adapter": "rest", "can_create_lead_sources": True}


def intouch_ensure(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """InTouch always exists: made by the first migration, and again after a database flush."""
    from integrations.models import Platform

    defaults = {key: value for key, value in INTOUCH.items() if key != "slug"}
    Platform.objects.using(using).get_or_create(slug=INTOUCH["slug"], defaults=defaults)


@functools.cache
def _orjson_loaders() -> tuple[type, ...]:
    import orjson
    from psycopg.types.json import JsonBinaryLoader, JsonLoader

    return tuple(
        type(f"Orjson{base.__name__}", (base,), {"_loads": orjson.loads})
        for base in (JsonLoader, JsonBinaryLoader)
    )


def json_loads_fast(sender: Any, connection: Any, **kwargs: Any) -> None:
    """PostgreSQL `json` values (a change's snapshot, `SnapshotField`) decoded by orjson:
    psycopg decodes them itself, with the standard library by default, several times slower
    (a feed page decodes 1,000 snapshots). Only `json`: psycopg's `set_json_loads` would
    also replace the loader Django sets for `jsonb` (which Django takes as text)."""
    if connection.vendor == "postgresql":
        for loader in _orjson_loaders():
            connection.connection.adapters.register_loader("json", loader)


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
