"""Matching people at ingest: who of the client's people a batch may be, in one statement.

`benchmarks/api_ingest.py` keeps ingest, matching included, at ≥ 0.10 of COPY. For every
value the batch looks up (emails, E.164 phones, name keys) the statement probes
the records' partial index on (client, that column) once, and answers how many records hold
the value — counted only as far as matching reads it (`CAPS`: a front desk's email on
20,000 records is "many" at 6 already) — and, where few enough hold it to say something, who.

On PostgreSQL each list goes as one JSON text, unnested by the server and probed one value at
a time (LATERAL): psycopg spells a list of strings out as an array literal value by value, in
Python, and a plain `= ANY(...)` let the planner read all of a client's index entries when
its statistics were stale (as `links_by_external_id` in db/ingest.py explains). SQLite gets the
same answer from plain `IN (...)` queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

import orjson
from django.db import connection, models
from django.db.models import Q

from mappings.matching.people import COMMON_NAME, MANY

# Per looked-up column: (the most holders counted, the most whose ids are read).
CAPS: dict[str, tuple[int, int]] = {
    "email": (MANY + 1, MANY),
    "phone": (MANY + 1, MANY),
    "name_key": (COMMON_NAME + 1, COMMON_NAME),
}


def people_holding(
    *, model: type[models.Model], client_id: str, values: Mapping[str, Collection[Any]]
) -> list[tuple[str, Any, int, list[uuid.UUID]]]:
    """(column, value, holders counted, their ids or [] when too many) for each value of
    `values` ({column: values}, columns of `CAPS`) that a live record of the client holds."""
    wanted = {column: sorted(found) for column, found in values.items() if found}
    if not wanted:
        return []
    if connection.vendor != "postgresql":
        return _holding_plain(model, client_id, wanted)
    table = connection.ops.quote_name(model._meta.db_table)
    parts, params = [], []
    for column, found in wanted.items():
        count, read = CAPS[column]
        # The index is partial: the planner uses it only where the query says its condition.
        present = f"r.{column} <> ''"
        parts.append(
            f"SELECT '{column}', x.v, c.n, c.ids FROM jsonb_array_elements_text(%s::jsonb) AS x(v)"  # noqa: S608 - names are ours
            " CROSS JOIN LATERAL (SELECT COUNT(*) AS n, CASE WHEN COUNT(*) <= "
            f"{read} THEN array_agg(s.id) END AS ids FROM (SELECT r.id FROM {table} r"
            f" WHERE r.client_id = %s AND {present} AND r.{column} = x.v"
            " AND r.merged_into_id IS NULL"
            f" AND r.erased_at IS NULL LIMIT {count}) AS s) AS c WHERE c.n > 0"
        )
        params += [orjson.dumps([str(v) for v in found]).decode(), client_id]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return [(column, value, n, ids or []) for column, value, n, ids in cursor.fetchall()]


def _holding_plain(
    model: type[models.Model], client_id: str, wanted: dict[str, list[Any]]
) -> list[tuple[str, Any, int, list[uuid.UUID]]]:
    live = model._default_manager.filter(
        client_id=client_id, merged_into__isnull=True, erased_at__isnull=True
    )
    out = []
    for column, found in wanted.items():
        count, read = CAPS[column]
        by: dict[Any, list[uuid.UUID]] = {}
        present = ~Q(**{column: ""})
        rows = live.filter(present, **{f"{column}__in": found}).values_list(column, "id")
        for value, pk in rows:
            by.setdefault(value, []).append(pk)
        for value, ids in by.items():
            held = min(len(ids), count)
            out.append((column, value, held, ids if len(ids) <= read else []))
    return out
