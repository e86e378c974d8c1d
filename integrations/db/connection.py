"""The connection itself: `json` values decoded by orjson on PostgreSQL, and whether the
database answers at all (the health check's round trip).

The loaders are measured by `benchmarks/api_feed.py` (docs/performance.md, "Change feed"): a
feed page decodes 1,000 change snapshots.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from psycopg.types.json import JsonBinaryLoader, JsonLoader


@functools.cache
def _orjson_loaders() -> tuple[type, ...]:
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


def database_reachable() -> bool:
    """A round trip to the database (`GET /healthz`): no ORM query is that small."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True
