"""Per-connection setup for PostgreSQL: `json` values decoded by orjson.

Measured by `benchmarks/api_feed.py` (docs/performance.md, "Change feed"): a feed page
decodes 1,000 change snapshots.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
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
